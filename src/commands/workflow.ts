import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Command, Option } from 'commander';
import type { ReleaseConfig } from '../config/load.js';
import { StepError, UsageError } from '../errors.js';
import { displayPath } from '../ui/paths.js';
import type { CliContext } from './context.js';

export function register(program: Command, context: CliContext): void {
  program
    .command('workflow')
    .description('write the GitHub Actions release workflow ([workflow] path) generated from the config, and lint it with actionlint where it is installed')
    .option('--check', 'write nothing; exit 1 when the checked-in workflow differs from the generated one')
    .option(
      '--rehearse',
      'run the checked-in workflow here under nektos/act (host mode) in a copy of the project, publishing to a local registry; prints what ran and what was replaced',
    )
    .addOption(
      new Option('--event <event>', 'with --rehearse: a tag push, a manual dispatch (publish unchecked), or both')
        .choices(['tag', 'dispatch', 'both'])
        .default('tag'),
    )
    .option('--act <path>', "with --rehearse: act, with binship's patches (default: $BINSHIP_ACT, else act on PATH)")
    .option('--actions <dir>', "with --rehearse: the pinned actions' trees, <owner>+<repo>@<sha>/ (default: $BINSHIP_ACT_ACTIONS)")
    .option(
      '--preload <tarball...>',
      'with --rehearse: npm tarballs to put on the local registry first (e.g. a binship the workflow installs that is not on npm yet)',
    )
    .option('--keep', "with --rehearse: keep the work directory (the copy, act's logs, the GitHub Release files)")
    .option('--json', 'print JSON')
    .addHelpText('after', WORKFLOW_HELP)
    .action(async (options: WorkflowOptions) => {
      const config = context.loadConfig();
      if (options.rehearse) {
        await rehearse(config, options, context);
        return;
      }
      const { checkWorkflow, writeWorkflow } = await import('../workflow/file.js');
      if (options.check) {
        const file = checkWorkflow(config);
        if (options.json) context.print(JSON.stringify({ file, upToDate: true }, null, 2));
        else context.report(`${displayPath(file)} is up to date`);
        return;
      }
      const { lintWorkflow } = await import('../workflow/lint.js');
      const written = writeWorkflow(config);
      const lint = await lintWorkflow(written.file);
      const findings = lint.linted ? lint.findings : [];
      if (options.json) {
        context.print(JSON.stringify({ ...written, lint }, null, 2));
      } else {
        const linted = !lint.linted
          ? `not linted: ${lint.reason}`
          : findings.length === 0
            ? 'actionlint: no findings'
            : `actionlint: ${findings.length} findings:\n${findings.map((f) => `  line ${f.line}:${f.column}: ${f.message} [${f.kind}]`).join('\n')}`;
        context.report(`${displayPath(written.file)} ${written.changed ? 'written' : 'already up to date'}\n${linted}`);
      }
      if (findings.length > 0) {
        throw new StepError(
          `actionlint reports ${findings.length} findings in ${displayPath(written.file)} (listed above); fix what binship.toml brings in ([workflow] install, command), else report it as a binship bug`,
        );
      }
    });
}

interface WorkflowOptions {
  check?: boolean;
  json?: boolean;
  rehearse?: boolean;
  event: 'tag' | 'dispatch' | 'both';
  act?: string;
  actions?: string;
  preload?: string[];
  keep?: boolean;
}

async function rehearse(config: ReleaseConfig, options: WorkflowOptions, context: CliContext): Promise<void> {
  const [{ execa }, { which }, { rehearseWorkflow }, { renderReport }] = await Promise.all([
    import('execa'),
    import('../host.js'),
    import('../workflow/act/rehearse.js'),
    import('../workflow/act/report.js'),
  ]);
  const act = options.act ?? process.env.BINSHIP_ACT ?? which('act');
  if (!act)
    throw new UsageError(
      "act is not on PATH: build it with binship's scripts/install-act.sh (it needs binship's patches), then pass --act PATH or set BINSHIP_ACT",
    );
  const actionsDir = options.actions ?? process.env.BINSHIP_ACT_ACTIONS;
  if (!actionsDir)
    throw new UsageError('--actions DIR (or BINSHIP_ACT_ACTIONS) is needed: a directory with the tree of every pinned action, <owner>+<repo>@<sha>/');
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'binship-rehearsal-'));
  const events = options.event === 'both' ? (['tag', 'dispatch'] as const) : [options.event];
  const uplink = (await execa('npm', ['config', 'get', 'registry'])).stdout.trim();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const rehearsal = await rehearseWorkflow({
    config,
    act,
    actionsDir: path.resolve(actionsDir),
    workDir,
    runs: events.map((event) => ({ event })),
    uplink,
    preload: options.preload?.map((p) => path.resolve(p)),
    onLine: log,
  });
  try {
    if (options.json) {
      const runs = rehearsal.runs.map((run) => ({ event: run.event, exitCode: run.exitCode, jobs: run.reports }));
      context.print(JSON.stringify({ tag: rehearsal.repo.tag, registry: rehearsal.registry.url, workDir: options.keep ? workDir : null, runs }, null, 2));
    } else {
      for (const run of rehearsal.runs)
        context.report(
          `${run.event === 'tag' ? `tag push ${rehearsal.repo.tag}` : 'manual dispatch (publish unchecked)'}: act exit ${run.exitCode}\n${renderReport(run.reports)}`,
        );
      context.report(`registry ${rehearsal.registry.url}; ${options.keep ? `work directory ${workDir}` : 'work directory removed'}`);
    }
  } finally {
    await rehearsal.registry.stop();
    if (!options.keep) rmSync(workDir, { recursive: true, force: true });
  }
  const failed = rehearsal.runs.flatMap((run) =>
    run.reports.filter((r) => r.result === 'failure').map((r) => `${run.event}: ${r.job}${r.platform ? ` (${r.platform})` : ''}`),
  );
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
