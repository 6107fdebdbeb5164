// The release workflows, executed under nektos/act (host mode, no Docker), publishing to one
// Verdaccio on loopback:
//   1. binship releases itself: its own .github/workflows/release.yml runs for a tag push in a
//      git copy of this repository (pack, publish), publishing binship to the registry;
//   2. the committed .github/workflows/rust-binaries.yml of the LeanSpec example runs in a
//      rehearsal copy of the example, for a tag push (plan, a build job per target act can build
//      here, publish, GitHub Release) and for a manual dispatch (no publish). Its jobs install
//      binship with the [workflow] install line init writes, from the registry: the binship
//      step 1 published. The published packages are installed back and run; the release's
//      archives and checksums are checked.
//
// Needs (all set up by bash scripts/setup.sh; a missing one fails the test with what to do):
//   act, patched                .cache/tools/bin/act (scripts/install-act.sh), or $BINSHIP_ACT
//   the pinned actions' trees   ../shared/act/actions beside the repository, or $BINSHIP_ACT_ACTIONS
// Run: npm run test:workflow (npm test runs it last).

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { execa } from 'execa';
import semver from 'semver';
import * as tar from 'tar';
import { PUBLISH_JOB, RELEASE_WORKFLOW, trustedPublisher } from '../../scripts/self-release/project.js';
import { rehearseSelfRelease } from '../../scripts/self-release/rehearse.js';
import { loadConfig } from '../../src/config/load.js';
import { configSchema } from '../../src/config/schema.js';
import { parseChecksums, sha256File } from '../../src/dist/checksums.js';
import { packageRoles } from '../../src/npm/release-packages.js';
import { readTarball } from '../../src/npm/tarball.js';
import { toolVersion } from '../../src/rehearsal/tools.js';
import type { LocalRegistry } from '../../src/rehearsal/verdaccio.js';
import { type ActRepo, type RehearsalRepo, type RunResult, rehearseWorkflow } from '../../src/workflow/act/rehearse.js';
import { type JobReport, renderReport } from '../../src/workflow/act/report.js';
import type { ActLogEntry } from '../../src/workflow/act/run.js';
import { ACTIONS } from '../../src/workflow/actions.js';
import { BROKEN_NPM } from '../../src/workflow/generate.js';
import { EXAMPLE_CONFIG, EXAMPLE_ROOT, REPO_ROOT, VERSION } from '../support/project.js';

/** Every npm package of a release of `config`. */
const releaseNames = (config: Parameters<typeof packageRoles>[0]): string[] => [...packageRoles(config).keys()];

const ACT = process.env.BINSHIP_ACT ?? path.join(REPO_ROOT, '.cache', 'tools', 'bin', 'act');
const ACTIONS_DIR = process.env.BINSHIP_ACT_ACTIONS ?? path.resolve(REPO_ROOT, '..', 'shared', 'act', 'actions');
const config = loadConfig(EXAMPLE_CONFIG);
const VERSION_OF_BINSHIP = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const work = mkdtempSync(path.join(os.tmpdir(), 'binship-act-'));
let registry: LocalRegistry | undefined;
let repo: RehearsalRepo;
let tagRun: RunResult;
let dispatchRun: RunResult;
/** binship's own release (step 1). */
let selfRelease: { repo: ActRepo; run: RunResult } | undefined;

/** Progress as the run goes: every job's and step's result, and every stand-in's line. */
function progress(entry: ActLogEntry): void {
  const where = `[${entry.jobID ?? 'act'}${typeof entry.matrix?.platform === 'string' ? ` ${entry.matrix.platform}` : ''}]`;
  const oneLine = entry.msg.split('\n')[0]?.trim() ?? '';
  if ((entry.stepResult && entry.stepID?.length === 1) || entry.jobResult || /binship-rehearsal: replaced|::error/.test(entry.msg)) {
    process.stdout.write(`${where} ${oneLine}\n`);
  }
}

function printReport(title: string, run: RunResult): void {
  process.stdout.write(`\n${title} (act exit ${run.exitCode}; log ${run.logFile}):\n${renderReport(run.reports)}\n`);
}

before(
  async () => {
    // What act needs, named exactly when absent: this test never passes without running the workflow.
    // (A missing action tree fails rehearseRun before act starts, naming each owner/repo@sha.)
    if (!existsSync(ACT))
      assert.fail(`act is not installed at ${ACT}: run bash scripts/install-act.sh (scripts/setup.sh runs it), or set BINSHIP_ACT to a patched act`);
    const started = Date.now();

    const rehearsal = await rehearseWorkflow({
      config,
      act: ACT,
      actionsDir: ACTIONS_DIR,
      workDir: work,
      // The manual run builds one target: enough to run every step of its path (the Cargo cache).
      runs: [{ event: 'tag' }, { event: 'dispatch', platforms: ['linux-x64'] }],
      uplink: (await execa('npm', ['config', 'get', 'registry'])).stdout.trim(),
      // binship is not on the npm registry yet: its own release workflow puts it on the rehearsal's.
      publishFirst: {
        names: ['binship'],
        publish: async (reg) => {
          const selfStarted = Date.now();
          const self = await rehearseSelfRelease({
            act: ACT,
            actionsDir: ACTIONS_DIR,
            registry: { url: reg.url, token: reg.token },
            workDir: path.join(work, 'self-release'),
            onEntry: progress,
          });
          selfRelease = self;
          printReport(`binship's own release, tag push ${self.repo.tag}`, self.run);
          process.stdout.write(`binship's own release under act: ${Math.round((Date.now() - selfStarted) / 1000)} s\n`);
          if (self.run.exitCode !== 0)
            throw new Error(
              `binship's ${RELEASE_WORKFLOW} failed under act, so the LeanSpec workflow has no binship to install; see the report above and ${self.run.logFile}`,
            );
        },
      },
      onLine: (line) => process.stdout.write(`${line}\n`),
      onEntry: progress,
    });
    ({ registry, repo } = rehearsal);
    [tagRun, dispatchRun] = rehearsal.runs as [RunResult, RunResult];
    printReport(`tag push ${repo.tag}`, tagRun);
    printReport('manual dispatch (publish unchecked)', dispatchRun);
    process.stdout.write(`workflow rehearsal: ${Math.round((Date.now() - started) / 1000)} s\n`);
  },
  { timeout: 60 * 60_000 },
);

after(async () => {
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
});

const job = (run: RunResult, name: string, platform?: string): JobReport => {
  const found = run.reports.find((r) => r.job === name && r.platform === platform);
  assert.ok(found, `no ${name}${platform ? ` (${platform})` : ''} job in the report`);
  return found;
};
const stepsWith = (report: JobReport, status: string): string[] => report.steps.filter((s) => s.status === status).map((s) => s.name);

describe('the workflow rehearsal', () => {
  test('runs the committed workflow, byte for byte; the copy limits only the targets', async () => {
    const committed = readFileSync(path.join(EXAMPLE_ROOT, config.workflow.path), 'utf8');
    assert.equal(readFileSync(path.join(repo.dir, repo.workflowFile), 'utf8'), committed);
    const check = await execa(process.execPath, [path.join(REPO_ROOT, 'bin', 'binship.js'), 'workflow', '--check'], { cwd: repo.dir, reject: false });
    assert.equal(check.exitCode, 0, check.stderr);
    assert.ok(
      repo.config.targets.some((t) => t.platform === 'linux-x64') && repo.config.targets.some((t) => t.platform === 'linux-arm64'),
      'linux-x64 and linux-arm64 are rehearsed',
    );
  });
});

describe('binship releases itself: its release.yml, tag push', () => {
  const self = () => selfRelease as { repo: ActRepo; run: RunResult };

  test("runs the committed workflow, byte for byte, on the tag of package.json's version: pack, then publish", () => {
    assert.equal(readFileSync(path.join(self().repo.dir, RELEASE_WORKFLOW), 'utf8'), readFileSync(path.join(REPO_ROOT, RELEASE_WORKFLOW), 'utf8'));
    assert.equal(self().repo.tag, `v${VERSION_OF_BINSHIP}`);
    assert.equal(self().run.exitCode, 0, `act failed; see the report above and ${self().run.logFile}`);
    assert.deepEqual(
      self().run.reports.map((r) => `${r.job}: ${r.result}`),
      ['pack: success', `${PUBLISH_JOB}: success`],
    );
    for (const report of self().run.reports) assert.deepEqual(stepsWith(report, 'failed').concat(stepsWith(report, 'skipped')), [], report.job);
  });

  test("only what cannot exist here is replaced: act's checkout, and npm provenance (no OIDC token)", () => {
    const replaced = self().run.reports.flatMap((r) =>
      r.steps.filter((s) => s.status === 'replaced').map((s) => `${r.job}: ${s.name}: ${s.reasons.join('; ')}`),
    );
    assert.deepEqual(replaced, [
      'pack: Check out the repository: act copies the local repository into the job (nothing is fetched from GitHub)',
      `${PUBLISH_JOB}: Check out the repository: act copies the local repository into the job (nothing is fetched from GitHub)`,
      `${PUBLISH_JOB}: Publish: npm provenance: no OIDC token here (npm signs provenance with one); published without provenance`,
    ]);
    for (const step of [
      "Check the tag against package.json's version",
      'Typecheck (sources, tests, scripts)',
      "Pack (a fresh build), check the tarball's contents, install it and run it",
    ]) {
      assert.ok(stepsWith(job(self().run, 'pack'), 'ran').includes(step), `${step} did not run`);
    }
  });

  test('binship is on the registry: the one version, under latest, published by the pinned npm with the first-release token', async () => {
    const packument = (await (await fetch(`${registry?.url}binship`)).json()) as {
      'dist-tags': Record<string, string>;
      versions: Record<string, { _npmVersion?: string; repository?: unknown }>;
    };
    assert.deepEqual(Object.keys(packument.versions), [VERSION_OF_BINSHIP]);
    assert.equal(packument['dist-tags'].latest, VERSION_OF_BINSHIP);
    const published = packument.versions[VERSION_OF_BINSHIP];
    assert.equal(published?._npmVersion, configSchema.shape.workflow.parse(undefined).npm_version, 'not published by the npm release.yml pins');
    assert.deepEqual(published?.repository, { type: 'git', url: 'git+https://github.com/codervisor/binship.git' });
    // A first release: the job says how the next one publishes without a token.
    const { repository, file, environment } = trustedPublisher();
    assert.ok(
      readFileSync(self().run.logFile, 'utf8').includes(
        `npm trust github binship --file ${file} --repository ${repository} --environment ${environment} --allow-publish --yes`,
      ),
    );
  });
});

describe('tag push', () => {
  test('every job succeeds: plan, a build per rehearsed target, publish, release', () => {
    assert.equal(tagRun.exitCode, 0, `act failed; see the report above and ${tagRun.logFile}`);
    const expected = ['plan', ...repo.config.targets.map((t) => `build (${t.platform})`), 'publish', 'release'];
    assert.deepEqual(tagRun.reports.map((r) => (r.platform ? `${r.job} (${r.platform})` : r.job)).sort(), expected.sort());
    for (const report of tagRun.reports) {
      assert.equal(report.result, 'success', `${report.job} ${report.platform ?? ''}: ${report.reason ?? ''}`);
      assert.deepEqual(stepsWith(report, 'failed'), []);
    }
  });

  test('only what cannot exist here is replaced, each with its reason', () => {
    const replaced = tagRun.reports.flatMap((r) => r.steps.filter((s) => s.status === 'replaced').map((s) => `${r.job}: ${s.name}`));
    const expected = [
      ...tagRun.reports.map((r) => `${r.job}: Check out the repository`),
      ...repo.config.targets.flatMap(() => [`build: Install Rust ${config.cargo.toolchain}`, 'build: Attest build provenance']),
      'publish: Publish (platform packages first, then the main packages)',
      'release: Create the GitHub Release',
    ];
    assert.deepEqual(replaced.sort(), expected.sort());
    const reasons = tagRun.reports.flatMap((r) => r.steps.flatMap((s) => s.reasons));
    assert.ok(reasons.some((r) => /^attestation signing of \d+ subjects: no OIDC token/.test(r)));
    assert.ok(reasons.some((r) => /^npm provenance: no OIDC token/.test(r)));
    assert.ok(reasons.some((r) => new RegExp(`^gh release create ${repo.tag.replace(/\./g, '\\.')} with \\d+ files`).test(r)));
    assert.ok(reasons.some((r) => /^rustup toolchain install .*no downloads here/.test(r)));
    // The rest ran as on GitHub: binship's own commands, setup-node, the artifact actions.
    const build = job(tagRun, 'build', 'linux-x64');
    for (const step of [
      'Set up Node.js',
      'Install binship',
      'Build',
      'Collect',
      'Verify (with a smoke run: every runner is native for its target)',
      'Upload the binaries',
    ]) {
      assert.ok(stepsWith(build, 'ran').includes(step), `${step} did not run`);
    }
    assert.deepEqual(stepsWith(job(tagRun, 'build', 'linux-x64'), 'skipped'), [
      'Install system packages',
      'Restore the Cargo cache (manual runs that do not publish; saved only on the default branch)',
    ]);
  });

  test('publish put every package on the registry, published by the pinned npm (not one with npm/cli#8722)', async () => {
    const url = registry?.url as string;
    for (const name of releaseNames(repo.config)) {
      const response = await fetch(`${url}${name.replace('/', '%2f')}`);
      assert.equal(response.status, 200, `${name} is not on the registry`);
      const packument = (await response.json()) as { 'dist-tags': Record<string, string>; versions: Record<string, { _npmVersion?: string }> };
      assert.equal(packument['dist-tags'].latest, VERSION, name);
      const npmVersion = packument.versions[VERSION]?._npmVersion ?? '';
      assert.equal(npmVersion, config.workflow.npmVersion, `${name} was published by npm ${npmVersion}`);
      for (const broken of BROKEN_NPM) assert.ok(!semver.satisfies(npmVersion, broken.range), `${name}: published by npm ${npmVersion}, which ${broken.why}`);
    }
  });

  test("binship was installed by the runner's own npm in every job; only the pinned npm published", () => {
    // npm's own logs of the run (one per npm command, each naming its version and arguments).
    const logs = path.join(tagRun.home, '.npm', '_logs');
    const runs = readdirSync(logs).map((file) => {
      const text = readFileSync(path.join(logs, file), 'utf8');
      const argv = [...(/verbose argv (.*)$/m.exec(text)?.[1] ?? '').matchAll(/"([^"]*)"/g)].map((m) => m[1] as string);
      return { argv, npm: /verbose npm +v(\S+)/.exec(text)?.[1] ?? '' };
    });
    const installs = runs.filter((r) => r.argv[0] === 'install' && r.argv.includes(`binship@${VERSION_OF_BINSHIP}`));
    assert.equal(installs.length, 3 + repo.config.targets.length, 'one install of binship per job (plan, builds, publish, release)');
    assert.deepEqual([...new Set(installs.map((r) => r.npm))], [toolVersion('npm11')], 'binship was installed by an npm other than the one Node.js brings');
    const publishes = runs.filter((r) => r.argv[0] === 'publish');
    assert.equal(publishes.length, releaseNames(repo.config).length);
    assert.deepEqual([...new Set(publishes.map((r) => r.npm))], [config.workflow.npmVersion]);
  });

  test('the published packages install back with npm and run: lean-spec --version, an MCP initialize', async () => {
    const prefix = path.join(work, 'installed');
    const installed = await execa(
      'npm',
      [
        'install',
        '--global',
        '--prefix',
        prefix,
        '--registry',
        registry?.url as string,
        '--no-audit',
        '--no-fund',
        `lean-spec@${VERSION}`,
        `@leanspec/mcp@${VERSION}`,
      ],
      { reject: false, env: { npm_config_cache: path.join(work, 'npm-cache') } },
    );
    assert.equal(installed.exitCode, 0, installed.stderr);
    const version = await execa(path.join(prefix, 'bin', 'lean-spec'), ['--version']);
    assert.match(version.stdout, new RegExp(VERSION.replace(/\./g, '\\.')));

    const transport = new StdioClientTransport({
      command: path.join(prefix, 'bin', 'leanspec-mcp'),
      env: { PATH: process.env.PATH ?? '', LEANSPEC_SPECS_DIR: path.join(EXAMPLE_ROOT, 'specs') },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'binship-act-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      assert.equal(client.getServerVersion()?.version, VERSION);
      assert.ok((await client.listTools()).tools.some((t) => t.name === 'list'));
    } finally {
      await client.close();
    }
  });

  test('the GitHub Release: one archive per target and SHA256SUMS, matching what npm got', async () => {
    const release = path.join(tagRun.releaseDir, repo.tag);
    const assets = path.join(release, 'assets');
    const files = readdirSync(assets).sort();
    const archives = repo.config.targets.map((t) => `lean-spec-${VERSION}-${t.triple}.tar.gz`);
    assert.deepEqual(files, [...archives, 'SHA256SUMS'].sort());
    const sums = parseChecksums(readFileSync(path.join(assets, 'SHA256SUMS'), 'utf8'));
    assert.deepEqual([...sums.keys()].sort(), [...archives].sort());
    for (const archive of archives) assert.equal(await sha256File(path.join(assets, archive)), sums.get(archive), archive);
    assert.equal(readFileSync(path.join(release, 'prerelease'), 'utf8').trim(), 'false');

    // Each archive holds the target's binaries, executable, byte for byte the platform packages' ones.
    for (const target of repo.config.targets) {
      const dir = path.join(work, 'extracted', target.platform);
      mkdirSync(dir, { recursive: true });
      await tar.extract({ file: path.join(assets, `lean-spec-${VERSION}-${target.triple}.tar.gz`), cwd: dir });
      const top = path.join(dir, `lean-spec-${VERSION}-${target.triple}`);
      assert.deepEqual(readdirSync(top).sort(), ['LICENSE', ...config.binaries.map((b) => b.name)].sort());
      for (const binary of config.binaries) {
        assert.equal(statSync(path.join(top, binary.name)).mode & 0o777, 0o755, `${target.platform}/${binary.name}`);
        const platformPackage = binary.platformPackage.replace('{platform}', target.platform);
        const tgz = Buffer.from(await (await fetch(`${registry?.url}${platformPackage}/-/${platformPackage.split('/')[1]}-${VERSION}.tgz`)).arrayBuffer());
        const published = (await readTarball(tgz)).get(`bin/${binary.name}`);
        assert.ok(published, `${platformPackage} has no bin/${binary.name}`);
        assert.ok(readFileSync(path.join(top, binary.name)).equals(published), `${target.platform}/${binary.name} differs from ${platformPackage}`);
      }
    }
    const version = await execa(path.join(work, 'extracted', 'linux-x64', `lean-spec-${VERSION}-x86_64-unknown-linux-gnu`, 'lean-spec'), ['--version']);
    assert.match(version.stdout, new RegExp(VERSION.replace(/\./g, '\\.')));

    const notes = readFileSync(path.join(release, 'notes.md'), 'utf8');
    for (const name of releaseNames(repo.config)) assert.ok(notes.includes(`${name}`), `the notes do not list ${name}`);
    assert.match(notes, /gh attestation verify lean-spec-[^ ]+\/lean-spec --repo codervisor\/lean-spec/);
  });
});

describe('manual dispatch (publish unchecked)', () => {
  test('plan and the build run, with the Cargo cache; publish and the release are skipped', () => {
    assert.equal(dispatchRun.exitCode, 0, `act failed; see the report above and ${dispatchRun.logFile}`);
    assert.equal(job(dispatchRun, 'plan').result, 'success');
    const build = job(dispatchRun, 'build', 'linux-x64');
    assert.equal(build.result, 'success');
    assert.ok(stepsWith(build, 'ran').includes('Restore the Cargo cache (manual runs that do not publish; saved only on the default branch)'));
    assert.ok(stepsWith(build, 'skipped').includes('Install system packages'));
    assert.equal(job(dispatchRun, 'publish').result, 'skipped');
    assert.equal(job(dispatchRun, 'release').result, 'skipped');
    // Between them the two runs used every pinned action (checkout: act copies the repository).
    const logs = readFileSync(tagRun.logFile, 'utf8') + readFileSync(dispatchRun.logFile, 'utf8');
    assert.deepEqual(
      Object.values(ACTIONS)
        .filter((a) => !logs.includes(`${a.repo}@${a.sha}`) && !logs.includes(`${a.repo} with ref ${a.sha}`))
        .map((a) => a.repo),
      [ACTIONS.checkout.repo],
    );
    assert.equal(job(dispatchRun, 'release').reason, 'publish was skipped');
  });
});
