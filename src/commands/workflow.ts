import path from 'node:path';
import { type Command, Option } from 'commander';
import { releaseVersion } from '../cargo.js';
import { checkWorkflow, writeWorkflow } from '../workflow/file.js';
import { formatPlanOutputs, planOutputs } from '../workflow/matrix.js';
import type { CliContext } from './context.js';

export function register(program: Command, context: CliContext): void {
  program
    .command('workflow')
    .description('write the GitHub Actions release workflow ([workflow] path) generated from the config')
    .option('--check', 'write nothing; exit 1 when the checked-in workflow differs from the generated one')
    .addHelpText('after', WORKFLOW_HELP)
    .action((options: { check?: boolean }) => {
      const config = context.loadConfig();
      const shown = (file: string): string => path.relative(process.cwd(), file) || file;
      if (options.check) {
        context.print(`${shown(checkWorkflow(config))} is up to date`);
        return;
      }
      const result = writeWorkflow(config);
      context.print(`${shown(result.file)} ${result.changed ? 'written' : 'already up to date'}`);
    });

  program
    .command('matrix')
    .description('print the CI plan as $GITHUB_OUTPUT lines: matrix=<json> (one entry per target), version=, dist-tag=')
    .option('--dist-tag <tag>', 'npm dist-tag of a manual run (default: from the version: latest, or the prerelease name)')
    .addOption(
      new Option('--publish <bool>', 'with --dist-tag: whether the manual run publishes (then the version must be a prerelease, unless GITHUB_REF is its own tag vX.Y.Z)')
        .choices(['true', 'false'])
        .default('false'),
    )
    .action(async (options: { distTag?: string; publish: 'true' | 'false' }) => {
      const config = context.loadConfig();
      const version = await releaseVersion(config);
      // GITHUB_REF: a manual publish of a release version is allowed on that version's own tag.
      context.print(formatPlanOutputs(planOutputs(config, version, options.distTag, options.publish === 'true', process.env.GITHUB_REF)));
    });
}

/** What the generated workflow's header points at: how the pipeline works and what it expects. */
const WORKFLOW_HELP = `
The workflow (a thin shell over binship commands):
  plan     on a tag: version --check-tag; then matrix (targets, version, npm dist-tag)
  build    one job per target on a native runner: build, collect, verify (smoke run),
           attest build provenance, upload the artifact binaries-<platform>
  publish  tag pushes (and manual runs with publish checked), in the configured repository,
           through the protected environment: collect --from artifacts, verify --require-all,
           pack, publish (platform packages first)
  release  tag pushes, after publish: archive (one .tar.gz/.zip per target, SHA256SUMS,
           release notes) and gh release create

Releasing: set the Cargo workspace version, commit, push the tag vX.Y.Z.

Repository settings it expects:
  environment      the [workflow] environment (required reviewers; tags v*.*.*)
  npm trusted publishing for every package (one entry per package; the first release of a
                   package needs a token: the environment secret NPM_TOKEN)
  variable NPM_REGISTRY (optional) another npm registry for every install and publish

Run it locally under nektos/act (host mode) with binship's repository: npm run test:workflow.
Docs: docs/ci-cd.md and docs/publishing.md in binship's repository.`;
