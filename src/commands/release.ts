import type { Command } from 'commander';
import { StepError, UsageError } from '../errors.js';
import { INSTALL_CLIENTS, type InstallClient } from '../npm/install-check.js';
import { releaseLocal, type ReleaseReport } from '../release.js';
import { formatBytes, renderTable } from '../ui/table.js';
import type { CliContext } from './context.js';

export function register(program: Command, context: CliContext): void {
  program
    .command('release')
    .description('run the whole pipeline locally: build, collect, verify, pack, publish to a throwaway registry, install back with npm/pnpm/yarn and run')
    .option('--local', 'build on this machine and publish to a throwaway local Verdaccio (required)')
    .option('--registry <url>', 'publish to this registry on this machine (127.0.0.1, ::1, localhost) instead of a throwaway one (token from NODE_AUTH_TOKEN)')
    .option('--clients <list>', 'install clients to check, comma-separated', INSTALL_CLIENTS.join(','))
    .option('--json', 'print JSON')
    .action(async (options: { local?: boolean; registry?: string; clients: string; json?: boolean }) => {
      if (!options.local) throw new UsageError('binship release needs --local (CI releases run the generated workflow: binship workflow)');
      const clients = options.clients.split(',').map((c) => c.trim()) as InstallClient[];
      const unknown = clients.find((c) => !INSTALL_CLIENTS.includes(c));
      if (unknown) throw new UsageError(`--clients: unknown client "${unknown}"; use any of ${INSTALL_CLIENTS.join(', ')}`);
      const report = await releaseLocal({
        config: context.loadConfig(),
        registry: options.registry,
        clients,
        onStep: options.json ? undefined : (step) => process.stderr.write(`binship: release: ${step}\n`),
      });
      context.print(options.json ? JSON.stringify(report, null, 2) : renderReleaseReport(report));
      if (!report.ok) {
        const failures = report.installs.flatMap((i) => (i.installed ? i.runs.filter((r) => !r.ok).map((r) => `${i.client}: ${r.binary}: ${r.detail}`) : [`${i.client}: ${i.detail}`]));
        throw new StepError(failures.join('\n'));
      }
    });
}

function renderReleaseReport(report: ReleaseReport): string {
  const table = renderTable(
    ['platform', 'binary', 'size', 'sha256', 'verified', 'published', 'installed', 'ran'],
    report.rows.map((r) => [r.platform, r.binary, r.size === null ? '-' : formatBytes(r.size), r.sha256?.slice(0, 12) ?? '-', r.verified, r.published, r.installed, r.ran]),
  );
  return `release ${report.version} via ${report.registry}\n\n${table}\n${report.ok ? 'release ok' : 'release FAILED'}`;
}
