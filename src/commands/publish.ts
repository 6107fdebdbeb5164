import { appendFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { StepError, UsageError } from '../errors.js';
import type { AuthMode } from '../npm/publish/plan.js';
import type { PublishResult } from '../npm/publish/result.js';
import type { PublishOptions } from '../npm/publish.js';
import { redact } from '../redact.js';
import { renderMarkdownTable, renderTableWithDetails } from '../ui/table.js';
import type { CliContext } from './context.js';

const CREDENTIALS_HELP = `
Credentials (checked before anything is uploaded, in this order):
  NODE_AUTH_TOKEN    an npm access token for the registry (granular, with write access to every
                     package of the release); passed to npm without being written anywhere
  trusted publishing GitHub Actions with permissions: id-token: write, npm >= 11.5.1 on
                     Node.js >= 22.14, and a trusted publisher set up for every package
                     (binship trust); cannot create a new package or move a dist-tag
  npm login          your own npm login (~/.npmrc), e.g. npm login --registry URL
Without any of them, publish stops before the first upload and says so.

--preflight plans a full release from binship.toml and the registry alone (no dist/): which
packages are new, which dist-tags would move, and whether that can go through with --auth
(default: the credentials found here). It exits 1 with the steps to take when it cannot.
See docs/publishing.md.`;

const AUTH_MODES: AuthMode[] = ['token', 'trusted-publishing', 'npm-login'];

type PublishFlags = Pick<PublishOptions, 'registry' | 'tag' | 'dryRun' | 'provenance' | 'allowPartial' | 'allowTagMoveBack'> & {
  preflight?: boolean;
  auth?: AuthMode;
  json?: boolean;
};

export function register(program: Command, context: CliContext): void {
  program
    .command('publish [dist]')
    .description('publish platform packages, wait until each exact version is visible, then the main packages; safe to re-run')
    .option('--registry <url>', "npm registry (default: npm's configured registry)")
    .option('--tag <tag>', 'dist-tag (default: latest, or the pre-release id such as beta)')
    .option('--dry-run', 'run every check and npm publish --dry-run, upload nothing')
    .option('--provenance', 'attach npm provenance (in GitHub Actions with id-token: write)')
    .option('--allow-partial', 'publish although configured targets are missing from dist/ (local test releases)')
    .option('--allow-tag-move-back', 'let the dist-tag move to a lower version than it points at (refused by default: a backport must not take latest)')
    .option('--preflight', 'plan a full release from binship.toml and the registry only (no dist/), upload nothing')
    .addOption(new Option('--auth <mode>', 'with --preflight: plan for these credentials instead of the ones found here').choices(AUTH_MODES))
    .option('--json', 'print JSON')
    .addHelpText('after', CREDENTIALS_HELP)
    .action(async (dist: string | undefined, options: PublishFlags) => {
      const { validateTag } = await import('../npm/dist-tag.js');
      if (options.tag !== undefined) validateTag(options.tag); // "" too: an empty tag is not "no tag"
      if (options.auth && !options.preflight)
        throw new UsageError('--auth goes with --preflight; publish itself uses the credentials it finds (see binship publish --help)');
      if (options.preflight && (dist || options.dryRun || options.provenance || options.allowPartial)) {
        throw new UsageError('--preflight plans a full release from binship.toml alone: drop the dist argument and --dry-run/--provenance/--allow-partial');
      }
      if (options.preflight) {
        const { preflight } = await import('../npm/publish/preflight.js');
        await report(context, await preflight({ config: context.loadConfig(), ...options }), options.json, 'binship publish --preflight');
        return;
      }
      const [{ publish, PublishRefused }, { provenanceInRehearsal }] = await Promise.all([
        import('../npm/publish.js'),
        import('../workflow/act/provenance.js'),
      ]);
      try {
        // The rehearsal's stand-in line goes to stderr with the progress: stdout is the report (or JSON).
        const provenance = provenanceInRehearsal(options.provenance, (line) => process.stderr.write(`${line}\n`));
        await report(
          context,
          await publish({ config: context.loadConfig(), distDir: dist, ...options, provenance, onProgress: context.progress('publish') }),
          options.json,
          'binship publish',
        );
      } catch (error) {
        // A refused plan is still a plan: show it (the error says why), then fail.
        if (error instanceof PublishRefused) print(context, error.result, options.json, 'binship publish');
        throw error;
      }
    });
}

async function report(context: CliContext, result: PublishResult, json: boolean | undefined, title: string): Promise<void> {
  const { unfinished } = await import('../npm/publish/result.js');
  print(context, result, json, title);
  const [only, ...more] = result.refusals;
  if (only !== undefined) throw new StepError(`the release cannot go through as planned:${more.length === 0 ? ` ${only}` : `\n${result.refusals.join('\n')}`}`);
  const failed = unfinished(result);
  if (failed.length > 0) throw new StepError(failed.map((r) => `${r.name}@${r.version}: ${r.detail}`).join('\n'));
}

function print(context: CliContext, result: PublishResult, json: boolean | undefined, title: string): void {
  // result.registry and the details are credential-free already; redact() is the last guard.
  if (json) context.print(redact(JSON.stringify(result, null, 2)));
  else context.report(redact(`${renderPublishTable(result)}${footer(result)}`));
  if (process.env.GITHUB_STEP_SUMMARY) {
    const heading = title.endsWith('--preflight') ? 'The release cannot go through as planned' : 'Nothing was uploaded';
    const refused = result.refusals.length > 0 ? `\n**${heading}:**\n\n\`\`\`text\n${result.refusals.join('\n')}\n\`\`\`\n` : '';
    const table = renderMarkdownTable(
      ['package', 'version', 'kind', 'action', 'status', 'detail'],
      result.rows.map((r) => [r.name, r.version, r.kind, r.action, r.status, r.detail]),
    );
    appendFileSync(process.env.GITHUB_STEP_SUMMARY, redact(`### ${title}\n\n${table}\n${footer(result)}${refused}`));
  }
}

function footer(result: PublishResult): string {
  const who = result.user ? ` as ${result.user}` : '';
  const versions = [...new Set(result.rows.map((r) => r.version))].join(', ');
  return [
    `version ${versions}; credentials: ${result.auth}${who}; dist-tag ${result.tag}; registry ${result.registry}`,
    ...result.notes.map((n) => `note: ${n}`),
    '',
  ].join('\n');
}

/** One row per package; the details below the table when they do not fit beside it. */
export function renderPublishTable(result: PublishResult): string {
  return renderTableWithDetails(
    ['package', 'kind', 'action', 'status'],
    result.rows.map((r) => [r.name, r.kind, r.action, r.status]),
    'detail',
    result.rows.map((r) => r.detail),
  );
}
