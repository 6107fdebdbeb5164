import { appendFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { StepError } from '../errors.js';
import { displayPath } from '../ui/paths.js';
import { formatBytes, renderMarkdownTable, renderTable } from '../ui/table.js';
import type { VerifyReport } from '../verify/index.js';
import type { ReproducibleReport } from '../verify/reproducible.js';
import type { CliContext } from './context.js';

export function register(program: Command, context: CliContext): void {
  program
    .command('verify [dist]')
    .description('check every binary in dist/: checksums, format/CPU/libc, glibc floor, exec bit, size, version, smoke run')
    .option('--require-all', 'fail unless every configured binary x target is present (use before publishing)')
    .option('--no-run', 'skip running the binaries (version and smoke checks); records no verdict for pack')
    .option('--reproducible', 'instead: build the local targets twice from two directories and compare hashes')
    .option('--json', 'print JSON')
    .action(async (dist: string | undefined, options: { requireAll?: boolean; run: boolean; reproducible?: boolean; json?: boolean }) => {
      const config = context.loadConfig();
      if (options.reproducible) {
        const { verifyReproducible } = await import('../verify/reproducible.js');
        const report = await verifyReproducible({ config, onProgress: context.progress('verify --reproducible') });
        if (options.json) context.print(JSON.stringify(report, null, 2));
        else context.report(renderReproducibleReport(report));
        if (!report.ok) throw new StepError(report.problems.join('\n'));
        return;
      }
      const [{ verify }, { SUMS_FILE }] = await Promise.all([import('../verify/index.js'), import('../dist/manifest.js')]);
      const report = await verify({ config, distDir: dist, requireAll: options.requireAll, run: options.run, onProgress: context.progress('verify') });
      const problems = [...report.files.flatMap((f) => f.problems), ...report.problems];
      const verdict = problems.length === 0 ? `verify: ok (${report.files.length} files)` : `verify: FAILED (${problems.length} problems)`;
      if (options.json) context.print(JSON.stringify(report, null, 2));
      else context.report(`${renderVerifyTable(report, false)}${verifyNotes(report, path.join(report.distDir, SUMS_FILE))}\n${verdict}`);
      // GitHub Actions shows this file as the job summary.
      if (process.env.GITHUB_STEP_SUMMARY)
        appendFileSync(process.env.GITHUB_STEP_SUMMARY, `### binship verify\n\n${renderVerifyTable(report, true)}\n${verdict}\n`);
      if (problems.length > 0) throw new StepError(problems.join('\n'));
    });
}

/**
 * The table. In a terminal it fits 100 columns: how each file was checked in a word (the why
 * below the table), checksums left to SHA256SUMS and --json. The markdown one (the job summary,
 * no width limit) has the target, the whole checksums and the reasons.
 */
function renderVerifyTable(report: VerifyReport, markdown: boolean): string {
  if (markdown) {
    return renderMarkdownTable(
      ['file', 'target', 'found', 'size', 'glibc', 'version', 'checked', 'sha256', 'result'],
      report.files.map((f) => [
        f.path,
        f.standIn ? `${f.platform} (stand-in ${f.standIn})` : f.platform,
        f.found,
        formatBytes(f.size),
        f.glibc ?? '-',
        f.version ?? '-',
        [checked(f), f.checked.why].filter(Boolean).join(': '),
        `\`${f.sha256}\``,
        f.ok ? 'ok' : 'FAILED',
      ]),
    );
  }
  return renderTable(
    ['file', 'found', 'size', 'glibc', 'version', 'checked', 'result'],
    report.files.map((f) => [
      f.path,
      f.found,
      formatBytes(f.size),
      f.glibc ?? '-',
      f.version ?? '-',
      checked(f),
      f.ok ? (f.standIn ? 'ok, stand-in' : 'ok') : 'FAILED',
    ]),
  );
}

/** How a file was checked: run (natively, under qemu or Wine) or by the static checks only. */
function checked(file: VerifyReport['files'][number]): string {
  return file.checked.how === 'static' ? 'static only' : `ran (${file.checked.how})`;
}

/** Why a file was checked the way it was, one line each below the table, and where dist/ is. */
function verifyNotes(report: VerifyReport, sumsFile: string): string {
  const notes = report.files.filter((f) => f.checked.why).map((f) => `${f.path}: ${checked(f)}: ${f.checked.why}`);
  return [...notes, `checksums: ${displayPath(sumsFile)} (and --json)`, ''].join('\n');
}

function renderReproducibleReport(report: ReproducibleReport): string {
  const rows = report.rows.map((r) => [r.platform, r.binary, r.first.slice(0, 12), r.identical ? 'identical' : `DIFFERS: ${r.second.slice(0, 12)}`]);
  const skipped = report.skipped.map((s) => `${s.platform}: skipped: ${s.reason}`);
  return `${renderTable(['target', 'binary', 'sha256 (first build)', 'second build'], rows)}${skipped.map((line) => `${line}\n`).join('')}`;
}
