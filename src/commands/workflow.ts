import path from 'node:path';
import { type Command, Option } from 'commander';
import { releaseVersion } from '../cargo.js';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { execa } from 'execa';
import type { ReleaseConfig } from '../config/load.js';
import { StepError, UsageError } from '../errors.js';
import { which } from '../host.js';
import { rehearseWorkflow, type RehearsalEvent } from '../workflow/act/rehearse.js';
import { renderReport } from '../workflow/act/report.js';
import { checkWorkflow, writeWorkflow } from '../workflow/file.js';
import { formatPlanOutputs, planOutputs } from '../workflow/matrix.js';
import type { CliContext } from './context.js';

export function register(program: Command, context: CliContext): void {
  program
    .command('workflow')
    .description('write the GitHub Actions release workflow ([workflow] path) generated from the config')
    .option('--check', 'write nothing; exit 1 when the checked-in workflow differs from the generated one')
    .option('--rehearse', 'run the checked-in workflow here under nektos/act (host mode) in a copy of the project, publishing to a local registry; prints what ran and what was replaced')
    .addOption(new Option('--event <event>', 'with --rehearse: a tag push, a manual dispatch (publish unchecked), or both').choices(['tag', 'dispatch', 'both']).default('tag'))
    .option('--act <path>', 'with --rehearse: act, with binship\'s patches (default: $BINSHIP_ACT, else act on PATH)')
    .option('--actions <dir>', 'with --rehearse: the pinned actions\' trees, <owner>+<repo>@<sha>/ (default: $BINSHIP_ACT_ACTIONS)')
    .option('--preload <tarball...>', 'with --rehearse: npm tarballs to put on the local registry first (e.g. a binship the workflow installs that is not on npm yet)')
    .option('--keep', 'with --rehearse: keep the work directory (the copy, act\'s logs, the GitHub Release files)')
    .addHelpText('after', WORKFLOW_HELP)
    .action(async (options: WorkflowOptions) => {
      const config = context.loadConfig();
      const shown = (file: string): string => path.relative(process.cwd(), file) || file;
      if (options.rehearse) {
        await rehearse(config, options, context);
        return;
      }
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

interface WorkflowOptions {
  check?: boolean;
  rehearse?: boolean;
  event: 'tag' | 'dispatch' | 'both';
  act?: string;
  actions?: string;
  preload?: string[];
  keep?: boolean;
}

async function rehearse(config: ReleaseConfig, options: WorkflowOptions, context: CliContext): Promise<void> {
  const act = options.act ?? process.env.BINSHIP_ACT ?? which('act');
  if (!act) throw new UsageError('act is not on PATH: build it with binship\'s scripts/install-act.sh (it needs binship\'s patches), then pass --act PATH or set BINSHIP_ACT');
  const actionsDir = options.actions ?? process.env.BINSHIP_ACT_ACTIONS;
  if (!actionsDir) throw new UsageError('--actions DIR (or BINSHIP_ACT_ACTIONS) is needed: a directory with the tree of every pinned action, <owner>+<repo>@<sha>/');
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'binship-rehearsal-'));
  const events: RehearsalEvent[] = options.event === 'both' ? ['tag', 'dispatch'] : [options.event];
  const uplink = (await execa('npm', ['config', 'get', 'registry'])).stdout.trim();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const rehearsal = await rehearseWorkflow({ config, act, actionsDir: path.resolve(actionsDir), workDir, runs: events.map((event) => ({ event })), uplink, preload: options.preload?.map((p) => path.resolve(p)), onLine: log });
  try {
    for (const run of rehearsal.runs) context.print(`${run.event === 'tag' ? `tag push ${rehearsal.repo.tag}` : 'manual dispatch (publish unchecked)'}: act exit ${run.exitCode}\n${renderReport(run.reports)}`);
    context.print(`registry ${rehearsal.registry.url}; ${options.keep ? `work directory ${workDir}` : 'work directory removed'}`);
  } finally {
    await rehearsal.registry.stop();
    if (!options.keep) rmSync(workDir, { recursive: true, force: true });
  }
  const failed = rehearsal.runs.flatMap((run) => run.reports.filter((r) => r.result === 'failure').map((r) => `${run.event}: ${r.job}${r.platform ? ` (${r.platform})` : ''}`));
  if (failed.length > 0) throw new StepError(`the rehearsal failed: ${failed.join(', ')}; see the table above`);
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

Rehearse it here under nektos/act (host mode, no Docker, no GitHub), publishing to a local
registry: binship workflow --rehearse --act PATH --actions DIR (see binship's docs/ci-cd.md).
Docs: docs/ci-cd.md and docs/publishing.md in binship's repository.`;
