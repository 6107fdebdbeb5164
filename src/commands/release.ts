import type { Command } from 'commander';
import { StepError, UsageError } from '../errors.js';
import { CLIENTS } from '../rehearsal/client-names.js';
import type { ClientCheck } from '../rehearsal/clients.js';
import type { ReleaseReport } from '../release.js';
import { formatBytes, renderTable } from '../ui/table.js';
import type { CliContext } from './context.js';

export function register(program: Command, context: CliContext): void {
  program
    .command('release')
    .description(
      'run the whole pipeline locally: build, collect, verify, pack, publish to a throwaway registry, install back with every client (npm, pnpm, Yarn, bun, Deno, npx...) and run',
    )
    .option('--local', 'build on this machine and publish to a throwaway local Verdaccio (required)')
    .option('--registry <url>', 'publish to this registry on this machine (127.0.0.1, ::1, localhost) instead of a throwaway one (token from NODE_AUTH_TOKEN)')
    .option('--clients <list>', 'clients to install and run with, comma-separated', CLIENTS.join(','))
    .option('--json', 'print JSON')
    .action(async (options: { local?: boolean; registry?: string; clients: string; json?: boolean }) => {
      if (!options.local) throw new UsageError('binship release needs --local (CI releases run the generated workflow: binship workflow)');
      const { releaseLocal } = await import('../release.js');
      const clients = options.clients.split(',').map((c) => c.trim());
      const unknown = clients.find((c) => !(CLIENTS as readonly string[]).includes(c));
      if (unknown) throw new UsageError(`--clients: unknown client "${unknown}"; use any of ${CLIENTS.join(', ')}`);
      const report = await releaseLocal({
        config: context.loadConfig(),
        registry: options.registry,
        clients: CLIENTS.filter((c) => clients.includes(c)),
        onProgress: context.progress('release'),
      });
      if (options.json) context.print(JSON.stringify(report, null, 2));
      else context.report(renderReleaseReport(report));
      if (!report.ok)
        throw new StepError(
          report.clients
            .filter((c) => c.status === 'failed')
            .flatMap(failures)
            .join('\n'),
        );
    });
}

function failures(client: ClientCheck): string[] {
  if (client.detail !== 'installed') return [`${client.client}: ${client.detail}`];
  return client.runs.filter((r) => !r.ok).map((r) => `${client.client}: ${r.binary}: ${r.detail}`);
}

function renderReleaseReport(report: ReleaseReport): string {
  // "skipped: <why>" and "n/a (other platform)" are one word in the table, the why below it.
  const word = (text: string) => /^[^:(]*/.exec(text)?.[0]?.trim() ?? text;
  const platforms = renderTable(
    ['platform', 'binary', 'size', 'verified', 'published', 'installed', 'ran'],
    report.rows.map((r) => [
      r.platform,
      r.binary,
      r.size === null ? '-' : formatBytes(r.size),
      r.verified.startsWith('skipped') ? 'skipped' : r.verified,
      r.published,
      word(r.installed),
      r.ran,
    ]),
  );
  const skipped = [...new Map(report.rows.filter((r) => r.verified.startsWith('skipped')).map((r) => [r.platform, `${r.platform}: ${r.verified}`])).values()];
  const otherHosts = report.rows.some((r) => r.installed.startsWith('n/a'))
    ? ["installed and ran are about this machine's platform; the others ran in verify, where they could"]
    : [];
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
  // Reasons and warnings below the tables, one line each, so the tables stay narrow.
  const notes = report.clients.flatMap((c) => [
    ...(c.status === 'skipped' ? [`${c.client}: ${c.detail}`] : c.status === 'failed' ? failures(c) : []),
    ...c.warnings.map((w) => `${c.client}: warned users: ${w}`),
  ]);
  const below = (lines: string[]) => (lines.length > 0 ? [...lines, ''] : []);
  return [
    `release ${report.version} via ${report.registry}`,
    '',
    platforms,
    ...below([...skipped, ...otherHosts]),
    clients,
    ...below(notes),
    report.ok ? 'release ok' : 'release FAILED',
  ].join('\n');
}
