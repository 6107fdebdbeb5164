import type { Command } from 'commander';
import type { BuildResult } from '../build.js';
import { StepError, UsageError } from '../errors.js';
import { buildProgress } from '../ui/progress.js';
import { renderTable } from '../ui/table.js';
import type { CliContext } from './context.js';
import { collectValues } from './options.js';

export function register(program: Command, context: CliContext): void {
  program
    .command('build')
    .description('cargo build --release --locked the configured binaries for each target')
    .option('-t, --target <target>', 'target triple or platform (repeatable)', collectValues, [])
    .option('--local', 'every configured target this machine can build; the others are listed as skipped')
    .option('-j, --jobs <n>', 'targets built at once (default: one per 4 cores, at least 1)')
    .option('--json', 'print the results as JSON')
    .action(async (options: { target: string[]; local?: boolean; jobs?: string; json?: boolean }) => {
      const { build, defaultBuildJobs } = await import('../build.js');
      const config = context.loadConfig();
      if (Boolean(options.local) === options.target.length > 0) {
        throw new UsageError('binship build needs either --target T (repeatable) or --local');
      }
      const jobs = options.jobs === undefined ? defaultBuildJobs() : Number(options.jobs);
      if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs ${options.jobs}: must be a whole number of at least 1`);
      const results = await build({
        config,
        targets: options.local ? undefined : context.resolveTargets(config, options.target),
        local: options.local,
        jobs,
        streamOutput: jobs === 1 && !options.json,
        onEvent: buildProgress(context.progress('build')),
      });
      if (options.json) context.print(JSON.stringify(results, null, 2));
      else context.report(renderBuildTable(results));
      failOnBuildErrors(results);
    });
}

function renderBuildTable(results: BuildResult[]): string {
  return renderTable(
    ['target', 'status', 'time', 'route', 'detail'],
    results.map((r) => [
      r.platform,
      r.standIn && r.status === 'built' ? 'built (stand-in)' : r.status,
      r.status === 'built' || r.status === 'failed' ? `${r.seconds}s` : '-',
      `${r.route ?? '-'}${r.standIn ? ` (stand-in ${r.standIn}, never packed)` : ''}`,
      r.reason ?? [r.toolchain, describeStd(r.std)].filter(Boolean).join('; '),
    ]),
  );
}

function describeStd(std: BuildResult['std']): string | undefined {
  if (std?.cached === undefined) return undefined;
  return std.cached ? 'std from the cache' : `std built in ${std.seconds}s (cached for next time)`;
}

function failOnBuildErrors(results: BuildResult[]): void {
  const failed = results.filter((r) => r.status === 'failed');
  if (failed.length > 0) {
    throw new StepError(failed.map((r) => `build of ${r.platform} failed: ${r.reason}${r.logFile ? ` (log: ${r.logFile})` : ''}`).join('\n'));
  }
  if (!results.some((r) => r.status === 'built')) {
    throw new StepError('no target could be built on this machine; run binship doctor to see what is missing');
  }
}
