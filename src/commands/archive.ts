import path from 'node:path';
import type { Command } from 'commander';
import { displayPath } from '../ui/paths.js';
import { formatBytes, renderTable } from '../ui/table.js';
import type { CliContext } from './context.js';

export function register(program: Command, context: CliContext): void {
  program
    .command('archive [dist]')
    .description(
      'write the GitHub Release files from a verified, complete dist/: one archive per target (.tar.gz, .zip for Windows), SHA256SUMS, release notes',
    )
    .option('--out <dir>', 'output directory: assets/ (the files to attach) and notes.md (default: dist/github-release)')
    .option('--json', 'print JSON')
    .action(async (dist: string | undefined, options: { out?: string; json?: boolean }) => {
      const { writeReleaseFiles } = await import('../archive/index.js');
      const files = await writeReleaseFiles({ config: context.loadConfig(), distDir: dist, outDir: options.out, onProgress: context.progress('archive') });
      if (options.json) {
        context.print(JSON.stringify(files, null, 2));
        return;
      }
      const table = renderTable(
        ['platform', 'archive', 'size', 'sha256'],
        files.archives.map((a) => [a.platform, a.file, formatBytes(a.size), a.sha256.slice(0, 12)]),
      );
      context.report(`${table}assets: ${displayPath(path.dirname(files.assets[0] ?? files.dir))}  notes: ${displayPath(files.notesFile)}`);
    });
}
