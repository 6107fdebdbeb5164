// A rehearsal of the generated release workflow on this machine, under nektos/act in host mode:
// the committed workflow file, unchanged, run for a tag push (plan, build per target, publish to
// a registry on loopback, GitHub Release) or a manual dispatch, in a copy of the project.
//
// What differs from GitHub, and only because it cannot exist here:
//   - the targets: only those whose runner act can stand in for (Linux, no packages to install
//     on the runner) and that this machine can build; the copy's binship.toml lists just those
//     (the workflow does not depend on the list: the plan job computes the matrix);
//   - the stand-ins (./stand-ins.ts): attestation signing, toolchain downloads, the GitHub
//     Release upload, npm provenance; and act's own local checkout;
//   - the npm registry: the repository variable NPM_REGISTRY points the workflow at a local one.
// Each run's report (./report.ts) says for every job and step whether it ran or was replaced.

import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { releaseVersion } from '../../cargo.js';
import { loadConfig, type ReleaseConfig } from '../../config/load.js';
import { StepError } from '../../errors.js';
import { repositorySlug } from '../../github.js';
import { capabilityOptions, targetCapabilities } from '../../host.js';
import { readTarball } from '../../npm/tarball.js';
import { type LocalRegistry, type PackageRule, startLocalRegistry } from '../../rehearsal/verdaccio.js';
import type { Target } from '../../targets.js';
import { REGISTRY_VARIABLE } from '../generate.js';
import { PUBLISH_AUTH_VARIABLE } from '../jobs/plan.js';
import { HOST_RUNNER } from '../steps.js';
import { prepareActEnvironment } from './environment.js';
import { buildReport, type JobReport } from './report.js';
import { type ActLogEntry, actionTrees, runAct } from './run.js';

type RehearsalEvent = 'tag' | 'dispatch';

interface TargetChoice {
  target: Target;
  /** Why act cannot run it here; undefined when it is rehearsed. */
  excluded?: string;
}

/**
 * The configured targets, each either rehearsed or excluded with the reason. act stands in only
 * for Linux runners, and host mode runs every step on this machine: a target whose runner
 * installs system packages would install them here.
 */
async function rehearsalTargets(config: ReleaseConfig): Promise<TargetChoice[]> {
  const capabilities = await targetCapabilities(config.targets, config.cargo.workspaceDir, capabilityOptions(config));
  return capabilities.map(({ target, build }) => {
    if (target.os !== 'linux') return { target, excluded: `its runner ${target.runner} is not Linux: act runs jobs on this Linux machine` };
    if (target.runnerAptPackages.length > 0)
      return { target, excluded: `its runner installs ${target.runnerAptPackages.join(' ')}: in host mode that would install them on this machine` };
    if (!build.ok) return { target, excluded: `this machine cannot build it: ${build.problem}` };
    return { target };
  });
}

/** A git repository to run a workflow in under act, and what the run needs to know of it. */
export interface ActRepo {
  dir: string;
  /** The release tag, on its one commit. */
  tag: string;
  /** The workflow file, relative to `dir`. */
  workflowFile: string;
  /** `OWNER/REPO`: github.repository (also the copy's origin, which act reads). */
  slug: string;
  /** The workflow's setup-node version (the rehearsal's tool cache has one Node.js). */
  nodeVersion: string;
  /** The Rust toolchain its jobs install; none for a workflow without Rust. */
  toolchain?: string;
  /** The runner labels of its jobs: act runs each on this machine. */
  runners: string[];
}

export interface RehearsalRepo extends ActRepo {
  /** The copy's config (its targets limited to the rehearsed ones). */
  config: ReleaseConfig;
  version: string;
}

/**
 * A git repository in `dir` holding the project's files (tracked and untracked, not ignored),
 * its binship.toml limited to `targets`, one commit on `main`, the release tag, and the
 * project's GitHub repository as `origin` (act reads github.repository from it).
 */
async function prepareRehearsalRepo(config: ReleaseConfig, targets: Target[], dir: string): Promise<RehearsalRepo> {
  if (targets.length === 0) throw new StepError('no target of the config can be rehearsed here (see the reasons above)');
  await copyProjectFiles(config.root, dir);
  const configFile = path.join(dir, path.relative(config.root, config.configPath));
  const toml = parseToml(readFileSync(configFile, 'utf8'));
  toml.targets = targets.map((t) => t.platform);
  writeFileSync(configFile, `# binship rehearsal: the targets act can run here\n${stringifyToml(toml)}\n`);
  const copy = loadConfig(configFile);
  const version = await releaseVersion(copy);
  const tag = `v${version}`;
  const slug = repositorySlug(copy);
  await commitWithTag(dir, tag, slug);
  return {
    dir,
    config: copy,
    version,
    tag,
    slug,
    workflowFile: copy.workflow.path,
    nodeVersion: copy.workflow.nodeVersion,
    toolchain: copy.cargo.toolchain,
    runners: [...new Set([HOST_RUNNER, ...copy.targets.map((t) => t.runner)])],
  };
}

/** Copies the files git has for `root` (tracked, and untracked but not ignored) into `dir`. */
export async function copyProjectFiles(root: string, dir: string): Promise<void> {
  const listed = await execa('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, reject: false });
  if (listed.failed) throw new StepError(`${root} is not in a git repository: the rehearsal copies the project's files from git (${listed.shortMessage})`);
  mkdirSync(dir, { recursive: true });
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    // A tracked file deleted in the working tree is not part of what is rehearsed.
    if (!existsSync(path.join(root, file))) continue;
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    cpSync(path.join(root, file), path.join(dir, file));
  }
}

/** Makes `dir` a git repository: everything in one commit on `main`, tagged `tag`, origin github.com/`slug`. */
export async function commitWithTag(dir: string, tag: string, slug: string): Promise<void> {
  const git = (args: string[]) => execa('git', args, { cwd: dir, env: GIT_ENV });
  await git(['init', '-q', '-b', 'main']);
  await git(['add', '-A']);
  await git(['commit', '-q', '-m', `rehearsal of ${tag}`]);
  await git(['tag', tag]);
  await git(['remote', 'add', 'origin', `https://github.com/${slug}.git`]);
}

/** A fixed identity and clock: the rehearsal's commit is the same on every run. */
const GIT_ENV = {
  GIT_AUTHOR_NAME: 'binship rehearsal',
  GIT_AUTHOR_EMAIL: 'rehearsal@binship.invalid',
  GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
  GIT_COMMITTER_NAME: 'binship rehearsal',
  GIT_COMMITTER_EMAIL: 'rehearsal@binship.invalid',
  GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
};

/**
 * Who may do what on the rehearsal's registry: the release's own packages and `local` ones (a
 * tool under test, published there first) exist only there; everything else (binship's
 * dependencies, npm) comes through the uplink.
 */
function rehearsalPackageRules(config: ReleaseConfig, local: string[] = []): Record<string, PackageRule> {
  const own = { access: '$all', publish: '$authenticated' };
  const names = new Set([...local, ...config.binaries.flatMap((b) => [b.package, b.platformPackage.replace('{platform}', '*')])]);
  return { ...Object.fromEntries([...names].map((name) => [name, own])), '**': { ...own, proxy: true } };
}

export interface RunOptions {
  repo: ActRepo;
  event: RehearsalEvent;
  act: string;
  /** Directory of the pinned actions' trees (`<owner>+<repo>@<sha>`). */
  actionsDir: string;
  registry: { url: string; token: string };
  /** Scratch directory of this run. */
  workDir: string;
  /** Only these matrix platforms (act --matrix); default: every target of the copy. */
  platforms?: string[];
  onEntry?: (entry: ActLogEntry) => void;
  onFetch?: (message: string) => void;
}

export interface RunResult {
  event: RehearsalEvent;
  exitCode: number;
  reports: JobReport[];
  logFile: string;
  /** Where the gh stand-in put the GitHub Release (`<tag>/notes.md`, `<tag>/assets/*`). */
  releaseDir: string;
  /** The jobs' HOME (npm's logs are in .npm/_logs). */
  home: string;
}

export async function rehearseRun(options: RunOptions): Promise<RunResult> {
  const { repo } = options;
  const releaseDir = path.join(options.workDir, 'github-release');
  const environment = await prepareActEnvironment({
    workDir: options.workDir,
    toolchain: repo.toolchain,
    nodeVersion: repo.nodeVersion,
    releaseOut: releaseDir,
    onFetch: options.onFetch,
  });
  const trees = actionTrees(options.actionsDir, { attest: environment.standIns.attestAction });
  const runDir = path.join(options.workDir, 'run');
  mkdirSync(runDir, { recursive: true });
  const logFile = path.join(options.workDir, `act-${options.event}.jsonl`);
  const { slug } = repo;
  const repository = { full_name: slug, name: slug.split('/')[1], owner: { login: slug.split('/')[0] }, default_branch: 'main' };
  const result = await runAct({
    act: options.act,
    repoDir: repo.dir,
    workflowFile: repo.workflowFile,
    event: options.event === 'tag' ? 'push' : 'workflow_dispatch',
    eventPayload:
      options.event === 'tag'
        ? { ref: `refs/tags/${repo.tag}`, repository }
        : { ref: 'refs/heads/main', inputs: { publish: false, 'dist-tag': 'dev' }, repository },
    runners: repo.runners,
    actionTrees: trees,
    env: environment.env,
    actionCache: environment.actionCache,
    runDir,
    // github.token: GitHub gives every job one; act only when asked. Nothing here accepts it.
    secrets: { NPM_TOKEN: options.registry.token, GITHUB_TOKEN: 'rehearsal-token-that-no-service-accepts' },
    // The rehearsal publishes with a token (NPM_TOKEN above): it is a first release, which trusted
    // publishing could not do; the plan job's preflight is told so, as a real first release is.
    vars: { [REGISTRY_VARIABLE]: options.registry.url, [PUBLISH_AUTH_VARIABLE]: 'token' },
    logFile,
    matrix: options.platforms?.map((platform) => `platform:${platform}`),
    onEntry: options.onEntry,
  });
  const reports = buildReport(readFileSync(path.join(repo.dir, repo.workflowFile), 'utf8'), result.entries);
  return { event: options.event, exitCode: result.exitCode, reports, logFile, releaseDir, home: environment.env.HOME as string };
}

export interface RehearsalOptions extends Pick<RunOptions, 'act' | 'actionsDir' | 'onEntry'> {
  config: ReleaseConfig;
  /** Scratch directory for the whole rehearsal. */
  workDir: string;
  /** The runs, in order; each may be limited to some matrix platforms. */
  runs: { event: RehearsalEvent; platforms?: string[] }[];
  /** The registry every other package comes from (binship's dependencies, npm). */
  uplink: string;
  /** npm tarballs put on the rehearsal's registry first: a tool the workflow installs that is not on the registry yet. */
  preload?: string[];
  /**
   * Like `preload`, by other means: packages named `names` are kept local on the registry (never
   * fetched through the uplink), and `publish` puts them there before the runs, e.g. by running
   * that tool's own release workflow (binship's tests release binship this way).
   */
  publishFirst?: { names: string[]; publish: (registry: LocalRegistry) => Promise<void> };
  /** Progress: target choices, fetches. */
  onLine?: (line: string) => void;
}

export interface Rehearsal {
  repo: RehearsalRepo;
  targets: TargetChoice[];
  /** Still running, with what the runs published: the caller installs from it, then stops it. */
  registry: LocalRegistry;
  runs: RunResult[];
}

/**
 * The whole rehearsal: the targets, the copy of the project, a Verdaccio on loopback (the
 * release's names local, everything else through `uplink`), the preloaded tarballs and what
 * `publishFirst` publishes, then each run in order.
 */
export async function rehearseWorkflow(options: RehearsalOptions): Promise<Rehearsal> {
  const { config } = options;
  const targets = await rehearsalTargets(config);
  for (const { target, excluded } of targets) options.onLine?.(`target ${target.platform}: ${excluded ? `not rehearsed: ${excluded}` : 'rehearsed'}`);
  const repo = await prepareRehearsalRepo(
    config,
    targets.filter((c) => !c.excluded).map((c) => c.target),
    path.join(options.workDir, 'repo'),
  );
  const preloaded = await Promise.all((options.preload ?? []).map(async (file) => ({ file, name: await tarballName(file) })));
  const local = [...preloaded.map((p) => p.name), ...(options.publishFirst?.names ?? [])];
  const registry = await startLocalRegistry({ upstream: options.uplink, packages: rehearsalPackageRules(config, local) });
  try {
    for (const { file } of preloaded) {
      const published = await execa('npm', ['publish', file, '--registry', registry.url, '--tag', 'rehearsal'], {
        reject: false,
        env: { [`npm_config_${registry.url.replace(/^https?:/, '')}:_authToken`]: registry.token, npm_config_loglevel: 'error' },
      });
      if (published.failed)
        throw new StepError(`could not put ${file} on the rehearsal's registry: ${published.stderr.trim().split('\n').at(-1) ?? published.shortMessage}`);
    }
    await options.publishFirst?.publish(registry);
    const runs: RunResult[] = [];
    for (const run of options.runs) {
      runs.push(
        await rehearseRun({
          repo,
          event: run.event,
          platforms: run.platforms,
          act: options.act,
          actionsDir: options.actionsDir,
          registry: { url: registry.url, token: registry.token },
          workDir: path.join(options.workDir, run.event),
          onEntry: options.onEntry,
          onFetch: options.onLine,
        }),
      );
    }
    return { repo, targets, registry, runs };
  } catch (error) {
    await registry.stop();
    throw error;
  }
}

async function tarballName(file: string): Promise<string> {
  const manifest = (await readTarball(readFileSync(file))).get('package.json');
  const name = manifest && (JSON.parse(manifest.toString('utf8')) as { name?: unknown }).name;
  if (typeof name !== 'string') throw new StepError(`${file} is not an npm package tarball (no package.json with a name)`);
  return name;
}
