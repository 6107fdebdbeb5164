import type { Command } from 'commander';
import { StepError, UsageError } from '../errors.js';
import { CLIENTS, type ClientCheck, type ClientName } from '../rehearsal/clients.js';
import { releaseLocal, type ReleaseReport } from '../release.js';
import { formatBytes, renderTable } from '../ui/table.js';
import type { CliContext } from './context.js';

export function register(program: Command, context: CliContext): void {
  program
    .command('release')
    .description('run the whole pipeline locally: build, collect, verify, pack, publish to a throwaway registry, install back with every client (npm, pnpm, Yarn, bun, Deno, npx...) and run')
    .option('--local', 'build on this machine and publish to a throwaway local Verdaccio (required)')
    .option('--registry <url>', 'publish to this registry on this machine (127.0.0.1, ::1, localhost) instead of a throwaway one (token from NODE_AUTH_TOKEN)')
    .option('--clients <list>', 'clients to install and run with, comma-separated', CLIENTS.join(','))
    .option('--json', 'print JSON')
    .action(async (options: { local?: boolean; registry?: string; clients: string; json?: boolean }) => {
      if (!options.local) throw new UsageError('binship release needs --local (CI releases run the generated workflow: binship workflow)');
      const clients = options.clients.split(',').map((c) => c.trim()) as ClientName[];
      const unknown = clients.find((c) => !CLIENTS.includes(c));
      if (unknown) throw new UsageError(`--clients: unknown client "${unknown}"; use any of ${CLIENTS.join(', ')}`);
      const report = await releaseLocal({
        config: context.loadConfig(),
        registry: options.registry,
        clients,
        onStep: options.json ? undefined : (step) => process.stderr.write(`binship: release: ${step}\n`),
      });
      context.print(options.json ? JSON.stringify(report, null, 2) : renderReleaseReport(report));
      if (!report.ok) throw new StepError(report.clients.filter((c) => c.status === 'failed').flatMap(failures).join('\n'));
    });
}

function failures(client: ClientCheck): string[] {
  if (client.detail !== 'installed') return [`${client.client}: ${client.detail}`];
  return client.runs.filter((r) => !r.ok).map((r) => `${client.client}: ${r.binary}: ${r.detail}`);
}

function renderReleaseReport(report: ReleaseReport): string {
  const platforms = renderTable(
    ['platform', 'binary', 'size', 'sha256', 'verified', 'published', 'installed', 'ran'],
    report.rows.map((r) => [r.platform, r.binary, r.size === null ? '-' : formatBytes(r.size), r.sha256?.slice(0, 12) ?? '-', r.verified, r.published, r.installed, r.ran]),
  );
  const binaries = [...new Set(report.rows.map((r) => r.binary))];
  const clients = renderTable(
    ['client', 'ran with', 'install', ...binaries],
    report.clients.map((c) => [
      c.client,
      c.label,
      c.status === 'skipped' ? 'skipped' : c.detail === 'installed' ? 'ok' : 'FAILED',
      ...binaries.map((binary) => {
        const run = c.runs.find((r) => r.binary === binary);
        return run ? (run.ok ? 'ok' : 'FAILED') : '-';
      }),
    ]),
  );
  // Reasons and warnings below the table, one line each, so the table stays narrow.
  const notes = report.clients.flatMap((c) => [
    ...(c.status === 'skipped' ? [`${c.client}: ${c.detail}`] : c.status === 'failed' ? failures(c) : []),
    ...c.warnings.map((w) => `${c.client}: warned users: ${w}`),
  ]);
  return [
    `release ${report.version} via ${report.registry}`,
    '',
    platforms,
    clients,
    ...(notes.length > 0 ? [notes.join('\n'), ''] : []),
    report.ok ? 'release ok' : 'release FAILED',
  ].join('\n');
}
