import { appendFileSync } from 'node:fs';
import type { Command } from 'commander';
import { StepError } from '../errors.js';
import { validateTag } from '../npm/dist-tag.js';
import { publish, type PublishResult } from '../npm/publish.js';
import { redact } from '../redact.js';
import { provenanceInRehearsal } from '../workflow/act/provenance.js';
import { renderMarkdownTable, renderTable } from '../ui/table.js';
import type { CliContext } from './context.js';

export function register(program: Command, context: CliContext): void {
  program
    .command('publish [dist]')
    .description('publish platform packages, wait until each exact version is visible, then the main packages; safe to re-run')
    .option('--registry <url>', 'npm registry (default: npm\'s configured registry)')
    .option('--tag <tag>', 'dist-tag (default: latest, or the pre-release id such as beta)')
    .option('--dry-run', 'run every check and npm publish --dry-run, upload nothing')
    .option('--provenance', 'attach npm provenance (in GitHub Actions with id-token: write)')
    .option('--allow-partial', 'publish although configured targets are missing from dist/ (local test releases)')
    .option('--allow-tag-move-back', 'let the dist-tag move to a lower version than it points at (refused by default: a backport must not take latest)')
    .option('--json', 'print JSON')
    .action(async (dist: string | undefined, options: { registry?: string; tag?: string; dryRun?: boolean; provenance?: boolean; allowPartial?: boolean; allowTagMoveBack?: boolean; json?: boolean }) => {
      if (options.tag) validateTag(options.tag);
      const provenance = provenanceInRehearsal(options.provenance, context.print);
      const result = await publish({ config: context.loadConfig(), distDir: dist, ...options, provenance });
      // result.registry and the details are credential-free already; redact() is the last guard.
      context.print(redact(options.json ? JSON.stringify(result, null, 2) : renderPublishTable(result, false)));
      if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, redact(`### binship publish\n\n${renderPublishTable(result, true)}\n`));
      const failed = result.rows.filter((r) => r.status === 'failed' || r.status === 'blocked');
      if (failed.length > 0) throw new StepError(failed.map((r) => `${r.name}@${r.version}: ${r.detail}`).join('\n'));
    });
}

export function renderPublishTable(result: PublishResult, markdown: boolean): string {
  return (markdown ? renderMarkdownTable : renderTable)(
    ['package', 'version', 'kind', 'status', 'detail'],
    result.rows.map((r) => [r.name, r.version, r.kind, r.status, r.detail]),
  );
}
