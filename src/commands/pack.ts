import type { Command } from 'commander';
import { pack } from '../npm/pack.js';
import { formatBytes, renderTable } from '../ui/table.js';
import type { CliContext } from './context.js';

export function register(program: Command, context: CliContext): void {
  program
    .command('pack [dist]')
    .description('build the npm platform packages and main packages (with the launcher) from a verified dist/ into dist/npm/')
    .option('--json', 'print JSON')
    .action(async (dist: string | undefined, options: { json?: boolean }) => {
      const index = await pack({ config: context.loadConfig(), distDir: dist });
      context.print(
        options.json
          ? JSON.stringify(index, null, 2)
          : renderTable(['package', 'version', 'kind', 'tarball', 'size'], index.packages.map((p) => [p.name, p.version, p.kind, p.tarball, formatBytes(p.size)])),
      );
    });
}
