import path from 'node:path';
import type { Command } from 'commander';
import { writeReleaseFiles } from '../archive/index.js';
import { formatBytes, renderTable } from '../ui/table.js';
import type { CliContext } from './context.js';

export function register(program: Command, context: CliContext): void {
  program
    .command('archive [dist]')
    .description('write the GitHub Release files from a verified, complete dist/: one archive per target (.tar.gz, .zip for Windows), SHA256SUMS, release notes')
    .option('--out <dir>', 'output directory: assets/ (the files to attach) and notes.md (default: dist/github-release)')
    .option('--json', 'print JSON')
    .action(async (dist: string | undefined, options: { out?: string; json?: boolean }) => {
      const files = await writeReleaseFiles({ config: context.loadConfig(), distDir: dist, outDir: options.out });
      const shown = (file: string): string => path.relative(process.cwd(), file) || file;
      context.print(
        options.json
          ? JSON.stringify(files, null, 2)
          : `${renderTable(['platform', 'archive', 'size', 'sha256'], files.archives.map((a) => [a.platform, a.file, formatBytes(a.size), a.sha256]))}\nassets: ${shown(path.dirname(files.assets[0] ?? files.dir))}  notes: ${shown(files.notesFile)}`,
      );
    });
}
