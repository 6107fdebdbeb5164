import { appendFileSync } from 'node:fs';
import type { Command } from 'commander';
import { StepError } from '../errors.js';
import { formatBytes, renderMarkdownTable, renderTable } from '../ui/table.js';
import { verify, type VerifyReport } from '../verify/index.js';
import { verifyReproducible, renderReproducibleTable } from '../verify/reproducible.js';
import type { CliContext } from './context.js';

export function register(program: Command, context: CliContext): void {
  program
    .command('verify [dist]')
    .description('check every binary in dist/: checksums, format/CPU/libc, glibc floor, exec bit, size, version, smoke run')
    .option('--require-all', 'fail unless every configured binary x target is present (use before publishing)')
    .option('--no-run', 'skip running the binaries (version and smoke checks)')
    .option('--reproducible', 'instead: build the local targets twice from two directories and compare hashes')
    .option('--json', 'print JSON')
    .action(async (dist: string | undefined, options: { requireAll?: boolean; run: boolean; reproducible?: boolean; json?: boolean }) => {
      const config = context.loadConfig();
      if (options.reproducible) {
        const report = await verifyReproducible({ config });
        context.print(options.json ? JSON.stringify(report, null, 2) : renderReproducibleTable(report));
        if (!report.ok) throw new StepError(report.problems.join('\n'));
        return;
      }
      const report = await verify({ config, distDir: dist, requireAll: options.requireAll, run: options.run });
      const problems = [...report.files.flatMap((f) => f.problems), ...report.problems];
      const verdict = problems.length === 0 ? `verify: ok (${report.files.length} files)` : `verify: FAILED (${problems.length} problems)`;
      context.print(options.json ? JSON.stringify(report, null, 2) : `${renderVerifyTable(report, false)}\n${verdict}`);
      // GitHub Actions shows this file as the job summary.
      if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, `### binship verify\n\n${renderVerifyTable(report, true)}\n${verdict}\n`);
      if (problems.length > 0) throw new StepError(problems.join('\n'));
    });
}

export function renderVerifyTable(report: VerifyReport, markdown: boolean): string {
  const headers = ['file', 'target', 'found', 'size', 'glibc', 'version', 'ran', 'sha256', 'result'];
  const rows = report.files.map((f) => [
    f.path, f.standIn ? `${f.platform} (stand-in ${f.standIn})` : f.platform, f.found, formatBytes(f.size), f.glibc ?? '-', f.version ?? '-', f.ran,
    markdown ? `\`${f.sha256}\`` : f.sha256.slice(0, 12), f.ok ? 'ok' : 'FAILED',
  ]);
  return (markdown ? renderMarkdownTable : renderTable)(headers, rows);
}
