import type { Command } from 'commander';
import { collect } from '../collect.js';
import { UsageError } from '../errors.js';
import { formatBytes, renderTable } from '../ui/table.js';
import { collectValues } from './build.js';
import type { CliContext } from './context.js';

export function register(program: Command, context: CliContext): void {
  program
    .command('collect')
    .description('gather built binaries into dist/<platform>/ with SHA-256 checksums and a manifest')
    .option('-t, --target <target>', 'only this target, which must be complete (repeatable)', collectValues, [])
    .option('--from <dir>', 'a directory of downloaded CI artifacts instead of Cargo\'s target directory')
    .option('--dist <dir>', 'output directory (default: dist from the config)')
    .option('--stand-ins', 'also collect the stand-ins built for targets this machine cannot build (labelled; verify checks them, pack and publish refuse them)')
    .option('--json', 'print the manifest as JSON')
    .action(async (options: { target: string[]; from?: string; dist?: string; standIns?: boolean; json?: boolean }) => {
      const config = context.loadConfig();
      if (options.from && options.standIns) throw new UsageError('--stand-ins collects from the local build; CI artifacts hold no stand-ins, drop one of --from and --stand-ins');
      const manifest = await collect({
        config,
        targets: options.target.length ? context.resolveTargets(config, options.target) : undefined,
        from: options.from,
        distDir: options.dist,
        standIns: options.standIns,
      });
      context.print(
        options.json
          ? JSON.stringify(manifest, null, 2)
          : renderTable(['file', 'size', 'sha256', 'note'], manifest.files.map((f) => [f.path, formatBytes(f.size), f.sha256, f.standIn ? `stand-in ${f.standIn}, never packed` : ''])),
      );
    });
}
