import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { displayPath } from '../ui/paths.js';
import { formatBytes, renderTable } from '../ui/table.js';
import type { CliContext } from './context.js';
import { collectValues } from './options.js';

export function register(program: Command, context: CliContext): void {
  program
    .command('collect')
    .description('gather built binaries into dist/<platform>/ with SHA-256 checksums and a manifest')
    .option('-t, --target <target>', 'only this target, which must be complete (repeatable)', collectValues, [])
    .option('--from <dir>', "a directory of downloaded CI artifacts instead of Cargo's target directory")
    .option('--dist <dir>', 'output directory (default: dist from the config)')
    .option(
      '--stand-ins',
      'also collect the stand-ins built for targets this machine cannot build (labelled; verify checks and runs them, pack leaves them out, publish never uploads them)',
    )
    .option('--json', 'print the manifest as JSON')
    .action(async (options: { target: string[]; from?: string; dist?: string; standIns?: boolean; json?: boolean }) => {
      const [{ collect }, { SUMS_FILE }] = await Promise.all([import('../collect.js'), import('../dist/manifest.js')]);
      const config = context.loadConfig();
      const distDir = path.resolve(options.dist ?? config.distDir);
      if (options.from && options.standIns)
        throw new UsageError('--stand-ins collects from the local build; CI artifacts hold no stand-ins, drop one of --from and --stand-ins');
      const manifest = await collect({
        config,
        targets: options.target.length ? context.resolveTargets(config, options.target) : undefined,
        from: options.from,
        distDir,
        standIns: options.standIns,
        onProgress: context.progress('collect'),
      });
      if (options.json) {
        context.print(JSON.stringify(manifest, null, 2));
        return;
      }
      const table = renderTable(
        ['file', 'size', 'sha256', 'note'],
        manifest.files.map((f) => [f.path, formatBytes(f.size), f.sha256.slice(0, 12), f.standIn ? `stand-in ${f.standIn}, never packed` : '']),
      );
      context.report(`${table}${manifest.files.length} files in ${displayPath(distDir)}; full checksums in ${displayPath(path.join(distDir, SUMS_FILE))}`);
    });
}
