// The release workflow: generated from binship.toml, checked in, and checked by the real tools
// GitHub users check workflows with (actionlint + ShellCheck, zizmor, GitHub's own parser).
// The old spec's hand-written workflow goes through the same checkers as a negative example, so
// the test also proves the checkers catch what this generator avoids (./support/workflow-checkers.ts).

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import semver from 'semver';
import { parse as parseYaml } from 'yaml';
import { loadConfig, parseConfig, type ReleaseConfig } from '../src/config/load.js';
import { StepError, UsageError } from '../src/errors.js';
import { resolveTarget } from '../src/targets.js';
import { provenanceInRehearsal } from '../src/workflow/act/provenance.js';
import { ACTIONS } from '../src/workflow/actions.js';
import { checkWorkflow, writeWorkflow } from '../src/workflow/file.js';
import { BROKEN_NPM, generateWorkflow } from '../src/workflow/generate.js';
import { CACHE_CONDITION } from '../src/workflow/jobs/build.js';
import { buildMatrix, formatPlanOutputs, manualDistTag, planOutputs, releaseDistTag } from '../src/workflow/matrix.js';
import { VERSION } from './support/project.js';
import { actionlint, atLeastMedium, workflowFileWith as checkerFile, describeFinding, githubParser, zizmor } from './support/workflow-checkers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXAMPLE = path.join(ROOT, 'examples', 'lean-spec');
const CONFIG_FILE = path.join(EXAMPLE, 'binship.toml');
const CLI = path.join(ROOT, 'bin', 'binship.js');
const HAVE_CLI = existsSync(path.join(ROOT, 'lib', 'cli.js'));
const SEED = path.resolve(ROOT, '..', 'shared', 'seed', 'rust-binaries-ci-cd-pipeline.md');

const config = loadConfig(CONFIG_FILE);
const generated = generateWorkflow(config);

const scratch = mkdtempSync(path.join(os.tmpdir(), 'binship-workflow-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------
// helpers

const workflowFileWith = (text: string, name?: string): string => checkerFile(scratch, text, name);

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

/** The YAML block under the seed spec's "GitHub Actions Workflow" heading. */
function seedWorkflow(): string {
  if (!existsSync(SEED)) assert.fail(`${SEED}: the old spec is missing; it comes with shared/ beside the repository`);
  const text = readFileSync(SEED, 'utf8');
  const heading = text.indexOf('### GitHub Actions Workflow');
  assert.ok(heading >= 0, `${SEED}: no "GitHub Actions Workflow" heading`);
  const match = /```yaml\n([\s\S]*?)\n```/.exec(text.slice(heading));
  assert.ok(match?.[1], `${SEED}: no yaml block under "GitHub Actions Workflow"`);
  return `${match[1]}\n`;
}

interface WorkflowShape {
  permissions: Record<string, string>;
  concurrency: { group: string; 'cancel-in-progress': boolean };
  on: Record<string, unknown>;
  jobs: Record<
    string,
    {
      needs?: string | string[];
      if?: string;
      permissions: Record<string, string>;
      'timeout-minutes'?: number;
      'runs-on': string;
      environment?: { name: string };
      strategy?: { 'fail-fast': boolean; matrix: string };
      outputs?: Record<string, string>;
      steps: { name?: string; uses?: string; run?: string; if?: string; env?: Record<string, string>; with?: Record<string, unknown> }[];
    }
  >;
}

const workflow = parseYaml(generated) as WorkflowShape;
const allSteps = Object.entries(workflow.jobs).flatMap(([job, j]) => j.steps.map((step) => ({ job, step })));

function configWith(replace: [string | RegExp, string][]): ReleaseConfig {
  let text = readFileSync(CONFIG_FILE, 'utf8');
  for (const [from, to] of replace) {
    const next = text.replace(from, to);
    assert.notEqual(next, text, `test setup: ${String(from)} not found in binship.toml`);
    text = next;
  }
  return parseConfig(text, CONFIG_FILE);
}

async function cli(args: string[], cwd = EXAMPLE) {
  return execa(process.execPath, [CLI, ...args], { cwd, reject: false });
}

// ---------------------------------------------------------------------------------------------

describe('the checked-in workflow', () => {
  test('equals what binship.toml generates (binship workflow --check)', async () => {
    if (HAVE_CLI) {
      const result = await cli(['workflow', '--check']);
      assert.equal(result.exitCode, 0, `binship workflow --check failed:\n${result.stderr}`);
    } else {
      checkWorkflow(config);
    }
    assert.equal(readFileSync(path.join(EXAMPLE, config.workflow.path), 'utf8'), generated);
  });

  test('--check fails with exit 1 naming the stale file and the fix; binship workflow repairs it', async () => {
    const dir = mkdtempSync(path.join(scratch, 'stale-'));
    const configFile = path.join(dir, 'binship.toml');
    writeFileSync(configFile, readFileSync(CONFIG_FILE, 'utf8'));
    const file = path.join(dir, config.workflow.path);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, generated.replace('timeout-minutes: 60', 'timeout-minutes: 61'));

    if (HAVE_CLI) {
      const stale = await cli(['--config', configFile, 'workflow', '--check'], dir);
      assert.equal(stale.exitCode, 1, stale.stderr);
      assert.match(stale.stderr, /rust-binaries\.yml: differs from what binship\.toml generates .*run binship workflow/);
      const write = await cli(['--config', configFile, 'workflow'], dir);
      assert.equal(write.exitCode, 0, write.stderr);
      const again = await cli(['--config', configFile, 'workflow', '--check'], dir);
      assert.equal(again.exitCode, 0, again.stderr);
    } else {
      const staleConfig = loadConfig(configFile);
      assert.throws(
        () => checkWorkflow(staleConfig),
        (error: unknown) => error instanceof StepError && error.exitCode === 1 && /rust-binaries\.yml: differs .*run binship workflow/.test(error.message),
      );
      assert.deepEqual(writeWorkflow(staleConfig), { file, changed: true });
      assert.deepEqual(writeWorkflow(staleConfig), { file, changed: false });
      checkWorkflow(staleConfig);
    }
    assert.equal(readFileSync(file, 'utf8'), generated);

    rmSync(file);
    assert.throws(() => checkWorkflow(loadConfig(configFile)), /missing; run binship workflow/);
  });

  test('starts with the generated-file header', () => {
    assert.match(generated, /^# generated by binship from binship\.toml; do not edit\./);
  });
});

describe('checkers on the generated workflow', () => {
  test('actionlint (with ShellCheck on every run: script) reports nothing', async () => {
    const findings = await actionlint(workflowFileWith(generated));
    assert.deepEqual(
      findings.map((f) => `${f.line}:${f.column} [${f.kind}] ${f.message}`),
      [],
    );
  });

  test('actionlint does run ShellCheck here (control: an unquoted variable is reported)', async () => {
    const file = workflowFileWith('on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo $HOME\n');
    const findings = await actionlint(file);
    assert.ok(
      findings.some((f) => f.kind === 'shellcheck' && /SC2086/.test(f.message)),
      JSON.stringify(findings),
    );
  });

  test('zizmor (offline, auditor persona) finds nothing of medium severity or above', async () => {
    const findings = await zizmor(workflowFileWith(generated), '--persona', 'auditor');
    assert.deepEqual(findings.filter(atLeastMedium).map(describeFinding), []);
  });

  test('the one zizmor suppression is the cache step that publishing runs skip', async () => {
    const findings = await zizmor(workflowFileWith(generated), '--no-ignores');
    assert.deepEqual(
      findings.filter(atLeastMedium).map((f) => f.ident),
      ['cache-poisoning'],
    );
    const cacheStep = workflow.jobs.build?.steps.find((s) => s.uses?.startsWith(`${ACTIONS.rustCache.repo}@`));
    assert.equal(cacheStep?.if, CACHE_CONDITION);
    assert.match(generated, /# zizmor: ignore\[cache-poisoning\][^\n]*\n\s+uses: Swatinem\/rust-cache@/);
  });

  test("GitHub's workflow parser accepts it", async () => {
    const { errors, jobs } = await githubParser(config.workflow.path, generated);
    assert.deepEqual(errors, []);
    assert.deepEqual(jobs, ['plan', 'build', 'publish', 'release']);
  });

  test("GitHub's workflow parser does report errors (control: a bad permission and an unknown need)", async () => {
    const broken = generated.replace('attestations: write', 'attestations: admin').replace('      - plan\n      - build', '      - plan\n      - compile');
    const { errors } = await githubParser('broken.yml', broken);
    assert.ok(
      errors.some((e) => /Unexpected value 'admin'/.test(e)),
      errors.join('\n'),
    );
    assert.ok(
      errors.some((e) => /depends on unknown job 'compile'/.test(e)),
      errors.join('\n'),
    );
  });
});

describe("checkers on the old spec's workflow (negative example)", () => {
  const seed = seedWorkflow();

  test('actionlint flags the archived actions-rs/toolchain@v1 as too old to run', async () => {
    const findings = await actionlint(workflowFileWith(seed));
    assert.deepEqual(
      findings.map((f) => f.kind),
      ['action'],
    );
    assert.match(findings[0]?.message ?? '', /"actions-rs\/toolchain@v1" action is too old to run on GitHub Actions/);
  });

  test('zizmor flags unpinned actions, default permissions, cache poisoning, persisted credentials and the archived action', async () => {
    const findings = await zizmor(workflowFileWith(seed));
    const medium = findings.filter(atLeastMedium);
    assert.deepEqual(
      countBy(medium, (f) => f.ident),
      {
        'unpinned-uses': 10, // every uses: (tags such as @v4 can be moved)
        'excessive-permissions': 3, // no permissions: block anywhere: the workflow and both jobs get the defaults
        'cache-poisoning': 4, // three actions/cache and setup-node's npm cache in a workflow that publishes
        artipacked: 2, // both checkouts persist the token in .git/config
        'archived-uses': 1, // actions-rs/toolchain
      },
    );
    assert.ok(medium.filter((f) => f.ident === 'cache-poisoning').every((f) => f.determinations.severity === 'High'));
    assert.match(
      medium
        .filter((f) => f.ident === 'archived-uses')
        .map(describeFinding)
        .join(),
      /repository is archived/,
    );
  });

  test('zizmor (auditor) also flags expressions expanded inside run: scripts and secrets outside an environment', async () => {
    const findings = await zizmor(workflowFileWith(seed), '--persona', 'auditor');
    const counts = countBy(findings, (f) => f.ident);
    assert.ok((counts['template-injection'] ?? 0) >= 10, JSON.stringify(counts));
    assert.equal(counts['secrets-outside-env'], 2);
    assert.equal(counts['concurrency-limits'], 1);
  });

  test("GitHub's parser accepts it: it is valid YAML that does the wrong things", async () => {
    const { errors, jobs } = await githubParser('seed.yml', seed);
    assert.deepEqual(errors, []);
    assert.deepEqual(jobs, ['build', 'publish']);
  });
});

describe('generator', () => {
  test('is deterministic', () => {
    assert.equal(generateWorkflow(loadConfig(CONFIG_FILE)), generated);
  });

  test('the matrix has every configured target, with the runner and packages of the target table', () => {
    const matrix = buildMatrix(config);
    assert.equal(matrix.include.length, config.targets.length);
    for (const target of config.targets) {
      const table = resolveTarget(target.platform);
      const entry = matrix.include.find((e) => e.platform === target.platform);
      // pip: nothing at the default glibc floor (test/cross-targets.test.ts covers a lower one)
      assert.deepEqual(entry, { target: table.triple, platform: table.platform, runner: table.runner, apt: table.runnerAptPackages.join(' '), pip: '' });
    }
    assert.equal(matrix.include.find((e) => e.platform === 'linux-x64-musl')?.apt, 'musl-tools');
    assert.equal(matrix.include.find((e) => e.platform === 'windows-arm64')?.runner, 'windows-11-arm');
  });

  test('the build job takes its matrix from the plan job and does not stop the others when one fails', () => {
    const build = workflow.jobs.build;
    assert.equal(build?.needs, 'plan');
    assert.equal(build?.strategy?.matrix, '${{ fromJSON(needs.plan.outputs.matrix) }}');
    assert.equal(build?.strategy?.['fail-fast'], false);
    assert.equal(build?.['runs-on'], '${{ matrix.runner }}');
    assert.equal(workflow.jobs.plan?.outputs?.matrix, '${{ steps.plan.outputs.matrix }}');
  });

  test('publish needs plan and build, runs only in the configured repository, through the environment', () => {
    const publish = workflow.jobs.publish;
    assert.deepEqual(publish?.needs, ['plan', 'build']);
    assert.match(
      publish?.if ?? '',
      /^github\.repository == 'codervisor\/lean-spec' && \(github\.event_name == 'push' \|\| \(github\.event_name == 'workflow_dispatch' && inputs\.publish\)\)$/,
    );
    assert.equal(publish?.environment?.name, config.workflow.environment);
    // The plan's version output is what the deployment links to.
    assert.equal((publish?.environment as { url?: string } | undefined)?.url, 'https://www.npmjs.com/package/lean-spec/v/${{ needs.plan.outputs.version }}');
    assert.equal(workflow.jobs.plan?.outputs?.version, '${{ steps.plan.outputs.version }}');
  });

  test('permissions are minimal: none at the top, each job only what it uses', () => {
    assert.deepEqual(workflow.permissions, {});
    assert.deepEqual(workflow.jobs.plan?.permissions, { contents: 'read' });
    assert.deepEqual(workflow.jobs.build?.permissions, { contents: 'read', 'id-token': 'write', attestations: 'write' });
    assert.deepEqual(workflow.jobs.publish?.permissions, { contents: 'read', 'id-token': 'write' });
    // Only the release job may write to the repository (the release), and it holds no OIDC token.
    assert.deepEqual(workflow.jobs.release?.permissions, { contents: 'write' });
  });

  test('every uses: is pinned to a full commit SHA with its version in a comment', () => {
    const uses = [...generated.matchAll(/^\s+uses: (\S+)(.*)$/gm)];
    assert.ok(uses.length >= 10);
    for (const [, ref, rest] of uses) {
      assert.match(ref ?? '', /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/, `not pinned to a SHA: ${ref}`);
      assert.match(rest ?? '', /^ # (v\d+\.\d+\.\d+|master \d{4}-\d{2}-\d{2})$/, `no version comment after ${ref}`);
    }
    for (const action of Object.values(ACTIONS)) assert.match(action.sha, /^[0-9a-f]{40}$/);
  });

  test('no run: script contains an expression; untrusted values arrive through env:', () => {
    for (const { job, step } of allSteps) {
      if (step.run === undefined) continue;
      assert.ok(!step.run.includes('${{'), `${job} / ${step.name}: expression in run:`);
    }
    const plan = workflow.jobs.plan?.steps ?? [];
    assert.equal(plan.find((s) => s.env?.TAG)?.env?.TAG, '${{ github.ref_name }}');
    assert.equal(plan.find((s) => s.env?.DIST_TAG)?.env?.DIST_TAG, '${{ inputs.dist-tag }}');
    assert.ok(!generated.includes('github.event.inputs'));
  });

  test('binship does the work: every script step runs the configured command or installs', () => {
    for (const { job, step } of allSteps) {
      if (step.run === undefined) continue;
      const ok =
        step.run.includes(config.workflow.command) ||
        step.run === config.workflow.install ||
        step.run === `npm install --global npm@${config.workflow.npmVersion}` ||
        step.run.includes('apt-get install') ||
        step.run.startsWith('gh release create "$TAG" --verify-tag');
      assert.ok(ok, `${job} / ${step.name}: ${step.run}`);
    }
    const runs = allSteps.map(({ step }) => step.run ?? '').join('\n');
    for (const command of [
      'version --check-tag',
      'matrix',
      'build --target',
      'collect --target',
      'verify',
      'collect --from artifacts',
      'verify --require-all',
      'pack',
      'publish --provenance --tag',
      'archive --out',
    ]) {
      assert.ok(runs.includes(`${config.workflow.command} ${command}`), `no step runs ${command}`);
    }
  });

  test('checkouts keep no credentials; nothing a publishing run uses comes from a cache', () => {
    for (const { step } of allSteps.filter(({ step }) => step.uses?.startsWith('actions/checkout@'))) {
      assert.equal(step.with?.['persist-credentials'], false);
    }
    for (const { step } of allSteps.filter(({ step }) => step.uses?.startsWith('actions/setup-node@'))) {
      assert.equal(step.with?.['package-manager-cache'], false);
    }
    const cache = allSteps.filter(({ step }) => /cache/.test(step.uses ?? ''));
    assert.equal(cache.length, 1);
    assert.equal(cache[0]?.job, 'build');
    assert.equal(cache[0]?.step.if, "github.event_name == 'workflow_dispatch' && !inputs.publish");
    assert.equal(cache[0]?.step.with?.['save-if'], "${{ github.ref == format('refs/heads/{0}', github.event.repository.default_branch) }}");
    assert.equal(cache[0]?.step.with?.key, '${{ matrix.target }}');
  });

  test('triggers, concurrency, timeouts, toolchain, artifacts', () => {
    assert.deepEqual(workflow.on.push, { tags: ['v*.*.*'] });
    const dispatch = workflow.on.workflow_dispatch as { inputs: Record<string, { type: string; default: unknown }> };
    assert.equal(dispatch.inputs.publish?.type, 'boolean');
    assert.equal(dispatch.inputs.publish?.default, false);
    assert.equal(dispatch.inputs['dist-tag']?.type, 'string');
    assert.equal(dispatch.inputs['dist-tag']?.default, 'dev');
    assert.deepEqual(workflow.concurrency, { group: '${{ github.workflow }}-${{ github.ref }}', 'cancel-in-progress': false });
    for (const [name, job] of Object.entries(workflow.jobs)) assert.ok((job['timeout-minutes'] ?? 0) > 0, `${name} has no timeout`);

    const steps = workflow.jobs.build?.steps ?? [];
    const rust = steps.find((s) => s.uses?.startsWith('dtolnay/rust-toolchain@'));
    assert.deepEqual(rust?.with, { toolchain: config.cargo.toolchain, targets: '${{ matrix.target }}' });
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    assert.deepEqual(upload?.with, {
      name: 'binaries-${{ matrix.platform }}',
      path: 'dist/',
      'retention-days': "${{ github.event_name == 'push' && 90 || 30 }}",
      'if-no-files-found': 'error',
    });
    const attest = steps.find((s) => s.uses?.startsWith('actions/attest@'));
    assert.deepEqual(attest?.with, { 'subject-checksums': 'dist/SHA256SUMS' });
    assert.ok(!generated.includes('attest-build-provenance'));

    const publish = workflow.jobs.publish?.steps ?? [];
    const node = publish.find((s) => s.uses?.startsWith('actions/setup-node@'));
    assert.equal(node?.with?.['node-version'], config.workflow.nodeVersion);
    assert.ok(publish.some((s) => s.run === `npm install --global npm@${config.workflow.npmVersion}`));
    assert.deepEqual(publish.find((s) => s.uses?.startsWith('actions/download-artifact@'))?.with, { pattern: 'binaries-*', path: 'artifacts' });
    assert.deepEqual(publish.at(-1)?.env, { DIST_TAG: '${{ needs.plan.outputs.dist-tag }}', NODE_AUTH_TOKEN: '${{ secrets.NPM_TOKEN }}' });
  });

  test('config values that would become expressions or break trusted publishing are refused', () => {
    const refused = (replace: [string | RegExp, string][], pattern: RegExp) =>
      assert.throws(
        () => generateWorkflow(configWith(replace)),
        (error: unknown) => error instanceof UsageError && pattern.test(error.message),
      );
    refused(
      [['install = "npm install --global --ignore-scripts binship@0.1.0"', 'install = "npm ci --ignore-scripts && echo ${{ github.head_ref }}"']],
      /\[workflow\] install .*expressions/,
    );
    refused([['[workflow]\n', '[workflow]\nnpm_version = "11.4.0"\n']], /npm_version 11\.4\.0: npm trusted publishing needs npm 11\.5\.1/);
    refused([['[workflow]\n', '[workflow]\nnode_version = "20"\n']], /node_version 20: .*22\.14\.0/);
    refused([['[workflow]\n', '[workflow]\nnode_version = "22.12.0"\n']], /node_version 22\.12\.0/);
    refused([['environment = "npm-publish"', 'environment = "npm publish ${{ x }}"']], /\[workflow\] environment/);
    assert.doesNotThrow(() => generateWorkflow(configWith([['[workflow]\n', '[workflow]\nnode_version = "22.14.0"\n']])));
  });

  test("binship installs with the runner's npm; the pinned npm only publishes; a pin with a known crash is refused", () => {
    const names = (workflow.jobs.publish?.steps ?? []).map((s) => s.name ?? '');
    const install = names.indexOf('Install binship');
    const npm = names.indexOf(`Install npm ${config.workflow.npmVersion} for publishing`);
    const publish = names.findIndex((n) => n.startsWith('Publish'));
    assert.ok(install >= 0 && npm > install && publish > npm, names.join(' / '));
    for (const { range } of BROKEN_NPM)
      assert.ok(!semver.satisfies(config.workflow.npmVersion, range), `the pinned npm ${config.workflow.npmVersion} is in ${range}`);
    const refused = (version: string) =>
      assert.throws(
        () => generateWorkflow(configWith([['[workflow]\n', `[workflow]\nnpm_version = "${version}"\n`]])),
        (error: unknown) =>
          error instanceof UsageError &&
          new RegExp(
            `npm_version ${version.replace(/\./g, '\\.')}: this npm crashes on registry manifests with directories\\.bin \\(npm/cli#8722, fixed in 11\\.6\\.4\\); pin another version`,
          ).test(error.message),
      );
    refused('11.6.1');
    refused('11.6.2');
    refused('11.6.3');
    assert.doesNotThrow(() => generateWorkflow(configWith([['[workflow]\n', '[workflow]\nnpm_version = "11.6.4"\n']])));
  });

  test('every npm of every job uses the registry of the repository variable NPM_REGISTRY, else the public one', () => {
    assert.deepEqual((workflow as unknown as { env: Record<string, string> }).env, {
      npm_config_registry: "${{ vars.NPM_REGISTRY || 'https://registry.npmjs.org' }}",
    });
    assert.ok(!generated.includes('registry-url'), 'no job sets its own registry');
    assert.ok(!/--registry/.test(generated));
  });

  test('release: tag pushes only, after publish; binship archives, gh release create uploads; only it may write', () => {
    const release = workflow.jobs.release;
    assert.deepEqual(release?.needs, ['plan', 'publish']);
    assert.equal(release?.if, "github.event_name == 'push'");
    const steps = release?.steps ?? [];
    assert.ok(steps.some((s) => s.run === 'binship collect --from artifacts'));
    assert.ok(steps.some((s) => s.run === 'binship archive --out github-release'));
    const upload = steps.at(-1);
    assert.equal(upload?.run, 'gh release create "$TAG" --verify-tag --notes-file github-release/notes.md --prerelease="$PRERELEASE" github-release/assets/*');
    assert.deepEqual(upload?.env, {
      GH_TOKEN: '${{ github.token }}',
      TAG: '${{ github.ref_name }}',
      PRERELEASE: "${{ needs.plan.outputs.dist-tag != 'latest' }}",
    });
    for (const [name, job] of Object.entries(workflow.jobs)) {
      if (name !== 'release') assert.notEqual(job.permissions.contents, 'write', `${name} may write to the repository`);
    }
  });

  test("the header points at binship workflow --help, which the adopter has, not at binship's docs/ files", async () => {
    assert.ok(!generated.includes('docs/'), 'the workflow names a docs/ file the adopter does not have');
    assert.match(generated.split('\n').slice(0, 4).join('\n'), /`binship workflow --help`/);
    if (HAVE_CLI) {
      const help = await cli(['workflow', '--help']);
      assert.equal(help.exitCode, 0);
      for (const words of ['plan', 'build', 'publish', 'release', 'NPM_REGISTRY', 'NPM_TOKEN', 'trusted publishing'])
        assert.ok(help.stdout.includes(words), `help lacks ${words}`);
    }
  });

  test('binship workflow --rehearse says what it lacks (usage error, exit 2)', async () => {
    if (!HAVE_CLI) return;
    const env = { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, BINSHIP_ACT: '', BINSHIP_ACT_ACTIONS: '' };
    const noAct = await execa(process.execPath, [CLI, 'workflow', '--rehearse'], { cwd: EXAMPLE, reject: false, env, extendEnv: false });
    assert.equal(noAct.exitCode, 2, noAct.stderr);
    assert.match(noAct.stderr, /act is not on PATH: build it with binship's scripts\/install-act\.sh/);
    const noActions = await execa(process.execPath, [CLI, 'workflow', '--rehearse', '--act', '/bin/true'], {
      cwd: EXAMPLE,
      reject: false,
      env,
      extendEnv: false,
    });
    assert.equal(noActions.exitCode, 2, noActions.stderr);
    assert.match(noActions.stderr, /--actions DIR \(or BINSHIP_ACT_ACTIONS\) is needed/);
  });

  test('comments sit with the steps they explain', () => {
    assert.match(generated, /# After binship's install, which uses the runner's own npm: the pinned npm only publishes\.\n\s+- name: Install npm/);
    assert.match(generated, /# gh uploads to a draft [^\n]*\n\s+# [^\n]*\n\s+- name: Create the GitHub Release/);
    assert.match(generated, /contents: write # check out the repository, create the release and upload its files/);
  });

  test('provenance for public packages only (npm refuses it for restricted ones)', () => {
    assert.match(generated, /publish --provenance --tag "\$DIST_TAG"/);
    const restricted = generateWorkflow(configWith([['access = "public"', 'access = "restricted"']]));
    assert.match(restricted, /run: binship publish --tag "\$DIST_TAG"/);
    assert.ok(!restricted.includes('--provenance'));
  });

  test('the workflow follows the config: repository, environment, command, toolchain', () => {
    const other = configWith([
      ['https://github.com/codervisor/lean-spec', 'https://github.com/someone/fork-of-it'],
      ['environment = "npm-publish"', 'environment = "release"'],
      ['command = "binship"', 'command = "npx binship"'],
      ['toolchain = "1.95.0"', 'toolchain = "1.96.0"'],
    ]);
    const text = generateWorkflow(other);
    assert.match(text, /github\.repository == 'someone\/fork-of-it'/);
    assert.match(text, /environment:\n\s+name: release\n/);
    assert.match(text, /\n\s+npx binship matrix --dist-tag "\$DIST_TAG" --publish "\$PUBLISH" \| tee -a/);
    assert.match(text, /run: npx binship build --target "\$TARGET"/);
    assert.match(text, /toolchain: 1\.96\.0/);
    assert.ok(!text.includes('node bin/binship.js'));
  });
});

describe('binship matrix', () => {
  test('dist-tags: latest for a release, the prerelease name for a prerelease', () => {
    assert.equal(releaseDistTag('0.3.0'), 'latest');
    assert.equal(releaseDistTag('1.2.0-beta.1'), 'beta');
    assert.equal(releaseDistTag('1.2.0-rc.2'), 'rc');
    assert.equal(releaseDistTag('1.2.0-0'), 'next');
    assert.equal(releaseDistTag('1.2.0-0.alpha'), 'alpha');
    assert.equal(releaseDistTag('1.2.0-x.1'), 'next'); // "x" reads as a version range, so it names no channel
  });

  test('a manual run names a valid dist-tag and may not move latest', () => {
    assert.equal(manualDistTag('dev'), 'dev');
    assert.equal(manualDistTag(' next '), 'next');
    for (const bad of ['', 'latest', 'v1', '1.x', 'has space', '-dev']) {
      assert.throws(() => manualDistTag(bad), UsageError, `accepted ${JSON.stringify(bad)}`);
    }
  });

  test('a manual run that publishes needs a prerelease version (a release version would be used up)', async () => {
    assert.throws(
      () => planOutputs(config, '0.3.0', 'dev', true),
      (error: unknown) =>
        error instanceof UsageError &&
        /manual publish of release version 0\.3\.0 under "dev" would use 0\.3\.0 up on npm; push the tag v0\.3\.0 to release it \(a backport: then run this workflow on that tag\), or set a prerelease version such as 0\.3\.1-dev\.1/.test(
          error.message,
        ),
    );
    // On the version's own tag (a backport published under its own dist-tag) it is allowed.
    assert.equal(planOutputs(config, '0.3.0', 'v0-latest', true, 'refs/tags/v0.3.0').distTag, 'v0-latest');
    assert.throws(() => planOutputs(config, '0.3.0', 'dev', true, 'refs/heads/main'), UsageError);
    assert.throws(() => planOutputs(config, '0.3.0', 'dev', true, 'refs/tags/v0.3.1'), UsageError);
    assert.equal(planOutputs(config, '0.3.1-dev.1', 'dev', true).distTag, 'dev');
    assert.equal(planOutputs(config, '0.3.0', 'dev', false).distTag, 'dev'); // a manual build only
    if (HAVE_CLI) {
      // GITHUB_REF cleared: a tag-triggered CI job running these tests would set it.
      const refused = await execa(process.execPath, [CLI, 'matrix', '--dist-tag', 'dev', '--publish', 'true'], {
        cwd: EXAMPLE,
        reject: false,
        env: { GITHUB_REF: '' },
      });
      assert.equal(refused.exitCode, VERSION.includes('-') ? 0 : 2, refused.stderr);
      assert.equal((await cli(['matrix', '--dist-tag', 'dev', '--publish', 'false'])).exitCode, 0);
      const onItsTag = await execa(process.execPath, [CLI, 'matrix', '--dist-tag', 'v0-latest', '--publish', 'true'], {
        cwd: EXAMPLE,
        reject: false,
        env: { GITHUB_REF: `refs/tags/v${VERSION}` },
      });
      assert.equal(onItsTag.exitCode, 0, onItsTag.stderr);
      assert.equal((await cli(['matrix', '--dist-tag', 'dev', '--publish', 'yes'])).exitCode, 2);
    }
  });

  test('prints $GITHUB_OUTPUT lines: matrix, version, dist-tag', async () => {
    let tagPush: string;
    let manual: string;
    if (HAVE_CLI) {
      const a = await cli(['matrix']);
      assert.equal(a.exitCode, 0, a.stderr);
      tagPush = `${a.stdout}\n`;
      const b = await cli(['matrix', '--dist-tag', 'dev']);
      assert.equal(b.exitCode, 0, b.stderr);
      manual = `${b.stdout}\n`;
      const c = await cli(['matrix', '--dist-tag', 'latest']);
      assert.equal(c.exitCode, 2);
      assert.match(c.stderr, /may not move the latest tag/);
    } else {
      tagPush = formatPlanOutputs(planOutputs(config, '0.3.0'));
      manual = formatPlanOutputs(planOutputs(config, '0.3.0', 'dev'));
    }
    const lines = tagPush.trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0] ?? '', /^matrix=\{"include":\[/);
    assert.deepEqual(JSON.parse((lines[0] ?? '').slice('matrix='.length)), buildMatrix(config));
    const version = /^version=(\d+\.\d+\.\d+\S*)$/.exec(lines[1] ?? '')?.[1];
    assert.ok(version, `no version= line in ${tagPush}`);
    assert.equal(lines[2], `dist-tag=${releaseDistTag(version)}`);
    assert.match(manual, /\ndist-tag=dev\n$/);
  });
});

describe('npm provenance in a workflow rehearsal', () => {
  test('left out, with the stand-in line, only where the rehearsal says so and no OIDC token exists', () => {
    const lines: string[] = [];
    const print = (line: string) => lines.push(line);
    assert.equal(provenanceInRehearsal(true, print, {}), true);
    assert.equal(provenanceInRehearsal(undefined, print, { BINSHIP_WORKFLOW_REHEARSAL: '1' }), undefined);
    assert.deepEqual(lines, []);
    assert.equal(provenanceInRehearsal(true, print, { BINSHIP_WORKFLOW_REHEARSAL: '1' }), false);
    assert.deepEqual(lines, ['binship-rehearsal: replaced: npm provenance: no OIDC token here (npm signs provenance with one); published without provenance']);
    // On a runner that can get an OIDC token the switch is refused: provenance is never dropped there.
    assert.throws(
      () =>
        provenanceInRehearsal(true, print, { BINSHIP_WORKFLOW_REHEARSAL: '1', ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.actions.githubusercontent.com' }),
      (error: unknown) =>
        error instanceof UsageError && error.exitCode === 2 && /BINSHIP_WORKFLOW_REHEARSAL is set in a job that can get an OIDC token/.test(error.message),
    );
  });
});
