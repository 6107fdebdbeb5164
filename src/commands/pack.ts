import path from 'node:path';
import type { Command } from 'commander';
import { displayPath } from '../ui/paths.js';
import { formatBytes, renderTable } from '../ui/table.js';
import type { CliContext } from './context.js';

export function register(program: Command, context: CliContext): void {
  program
    .command('pack [dist]')
    .description('build the npm platform packages and main packages (with the launcher) from a verified dist/ into dist/npm/')
    .option('--json', 'print JSON')
    .action(async (dist: string | undefined, options: { json?: boolean }) => {
      const { pack, NPM_DIR } = await import('../npm/pack.js');
      const config = context.loadConfig();
      const index = await pack({ config, distDir: dist, onProgress: context.progress('pack') });
      if (options.json) {
        context.print(JSON.stringify(index, null, 2));
        return;
      }
      const table = renderTable(
        ['package', 'kind', 'tarball', 'size'],
        index.packages.map((p) => [p.name, p.kind, p.tarball, formatBytes(p.size)]),
      );
      const leftOut = index.leftOut.map((f) => `left out: ${f.path}: ${f.reasons.join('; ')}`);
      const where = `${index.packages.length} packages of version ${index.version} in ${displayPath(path.join(path.resolve(dist ?? config.distDir), NPM_DIR))}`;
      context.report(`${table}${[...leftOut, where].join('\n')}`);
    });
}
