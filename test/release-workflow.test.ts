// binship's own release workflow (.github/workflows/release.yml), held to the rules binship's
// generated workflows follow: the same checkers (actionlint + ShellCheck, zizmor, GitHub's
// parser), the action pins of src/workflow/actions.ts, least privilege, the npm pin, the registry
// variable, no install scripts where an OIDC token can be had, and the steps that do the work
// (scripts/self-release/). test/act/workflow-run.test.ts runs it.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import semver from 'semver';
import { parse as parseYaml } from 'yaml';
import { PUBLISH_JOB, RELEASE_WORKFLOW, readPackageJson, repositoryOf, trustedPublisher } from '../scripts/self-release/project.js';
import { configSchema } from '../src/config/schema.js';
import { TRUSTED_PUBLISHING_NODE, TRUSTED_PUBLISHING_NPM } from '../src/npm/trusted-publishing.js';
import { ACTIONS } from '../src/workflow/actions.js';
import { BROKEN_NPM, NPM_REGISTRY, REGISTRY_VARIABLE } from '../src/workflow/generate.js';
import { REPO_ROOT } from './support/project.js';
import { actionlint, atLeastMedium, describeFinding, githubParser, workflowFileWith, zizmor } from './support/workflow-checkers.js';

const text = readFileSync(path.join(REPO_ROOT, RELEASE_WORKFLOW), 'utf8');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'binship-release-workflow-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
interface Job {
  needs?: string | string[];
  if?: string;
  permissions?: Record<string, string>;
  environment?: { name: string; url?: string };
  'timeout-minutes'?: number;
  'runs-on': string;
  steps: Step[];
}
const workflow = parseYaml(text) as {
  on: unknown;
  permissions: unknown;
  env: Record<string, string>;
  concurrency: Record<string, unknown>;
  jobs: Record<string, Job>;
};
const steps = Object.entries(workflow.jobs).flatMap(([job, j]) => j.steps.map((step) => ({ job, step })));
/** What binship gives an adopter's generated workflow by default: the release of binship keeps to the same. */
const defaults = configSchema.shape.workflow.parse(undefined);
const SCRIPT = 'node --import tsx scripts/self-release/cli.ts';

/** Each `uses:` that is not exactly `owner/repo@<sha> # <version>` of src/workflow/actions.ts. */
function pinProblems(workflowText: string): string[] {
  return [...workflowText.matchAll(/^\s+uses: (\S+?)@(\S+)(.*)$/gm)].flatMap(([, repo, ref, comment]) => {
    const pin = Object.values(ACTIONS).find((p) => p.repo === repo);
    if (!pin) return [`${repo} is not in src/workflow/actions.ts, the one table of pinned actions`];
    if (ref !== pin.sha) return [`${repo}@${ref}: src/workflow/actions.ts pins ${pin.sha} (${pin.version})`];
    return comment === ` # ${pin.version}` ? [] : [`${repo}: the comment after the SHA must be "# ${pin.version}"`];
  });
}

describe('checkers (as on the generated workflow)', () => {
  test('actionlint, with ShellCheck on every run: script, reports nothing', async () => {
    const findings = await actionlint(workflowFileWith(scratch, text, 'release.yml'));
    assert.deepEqual(
      findings.map((f) => `${f.line}:${f.column} [${f.kind}] ${f.message}`),
      [],
    );
  });

  test('zizmor (offline, auditor persona) finds nothing of medium severity or above, and nothing is suppressed', async () => {
    const file = workflowFileWith(scratch, text, 'release.yml');
    assert.deepEqual((await zizmor(file, '--persona', 'auditor')).filter(atLeastMedium).map(describeFinding), []);
    assert.deepEqual((await zizmor(file, '--no-ignores')).filter(atLeastMedium).map(describeFinding), []);
    assert.ok(!text.includes('zizmor: ignore'));
  });

  test("GitHub's workflow parser accepts it", async () => {
    assert.deepEqual(await githubParser('release.yml', text), { errors: [], jobs: ['pack', PUBLISH_JOB] });
  });
});

describe('the rules binship enforces on others', () => {
  test('every action is pinned to the commit of src/workflow/actions.ts, with its version in a comment', () => {
    assert.ok([...text.matchAll(/^\s+uses: /gm)].length >= 6);
    assert.deepEqual(pinProblems(text), []);
  });

  test('a pin that differs from the table, a tag instead of a commit, or a stale comment fails it (control)', () => {
    assert.deepEqual(pinProblems(text.replaceAll(ACTIONS.setupNode.sha, '0'.repeat(40))), [
      `actions/setup-node@${'0'.repeat(40)}: src/workflow/actions.ts pins ${ACTIONS.setupNode.sha} (${ACTIONS.setupNode.version})`,
      `actions/setup-node@${'0'.repeat(40)}: src/workflow/actions.ts pins ${ACTIONS.setupNode.sha} (${ACTIONS.setupNode.version})`,
    ]);
    assert.deepEqual(pinProblems(text.replace(`${ACTIONS.uploadArtifact.sha} # ${ACTIONS.uploadArtifact.version}`, 'v7')), [
      `actions/upload-artifact@v7: src/workflow/actions.ts pins ${ACTIONS.uploadArtifact.sha} (${ACTIONS.uploadArtifact.version})`,
    ]);
    assert.deepEqual(pinProblems(text.replace(`# ${ACTIONS.downloadArtifact.version}`, '# v1.0.0')), [
      `actions/download-artifact: the comment after the SHA must be "# ${ACTIONS.downloadArtifact.version}"`,
    ]);
    assert.deepEqual(pinProblems('    uses: someone/else@v1\n'), ['someone/else is not in src/workflow/actions.ts, the one table of pinned actions']);
  });

  test('least privilege: nothing at the top; pack reads; only the publish job may get an OIDC token', () => {
    assert.deepEqual(workflow.permissions, {});
    assert.deepEqual(workflow.jobs.pack?.permissions, { contents: 'read' });
    assert.deepEqual(workflow.jobs[PUBLISH_JOB]?.permissions, { contents: 'read', 'id-token': 'write' });
    const withToken = Object.entries(workflow.jobs)
      .filter(([, j]) => j.permissions?.['id-token'] === 'write')
      .map(([id]) => id);
    const publishing = Object.entries(workflow.jobs)
      .filter(([, j]) => j.steps.some((s) => s.run?.startsWith(`${SCRIPT} publish `)))
      .map(([id]) => id);
    assert.deepEqual(withToken, [PUBLISH_JOB]);
    assert.deepEqual(publishing, [PUBLISH_JOB]);
  });

  test("publishes only from codervisor/binship (package.json's repository), after pack, through a protected environment", () => {
    const publish = workflow.jobs[PUBLISH_JOB];
    assert.equal(publish?.needs, 'pack');
    assert.equal(publish?.if, `github.repository == '${repositoryOf(readPackageJson())}'`);
    assert.equal(publish?.environment?.name, defaults.environment);
    assert.equal(publish?.environment?.url, 'https://www.npmjs.com/package/binship/v/${{ needs.pack.outputs.version }}');
    assert.equal(workflow.jobs.pack?.steps.find((s) => s.id === 'pack')?.run, `${SCRIPT} pack "$TAG" --out release`);
    assert.deepEqual(trustedPublisher(), { repository: 'codervisor/binship', file: 'release.yml', environment: defaults.environment });
  });

  test('trusted publishing: no token but the NPM_TOKEN fallback for a first release, only in the publish step', () => {
    const secrets = [...text.matchAll(/\$\{\{\s*secrets\.(\w+)\s*\}\}/g)].map((m) => m[1]);
    assert.deepEqual(secrets, ['NPM_TOKEN']);
    const publish = workflow.jobs[PUBLISH_JOB]?.steps.at(-1);
    assert.equal(publish?.env?.NODE_AUTH_TOKEN, '${{ secrets.NPM_TOKEN }}');
    assert.equal(publish?.run, `${SCRIPT} publish "$TAG" release --provenance`);
  });

  test('version = tag: checked by code before the typecheck, the pack and anything published; only version tags trigger', () => {
    assert.deepEqual(workflow.on, { push: { tags: ['v*.*.*'] } });
    const names = workflow.jobs.pack?.steps.map((s) => s.run ?? s.uses ?? '') ?? [];
    const check = names.indexOf(`${SCRIPT} check-tag "$TAG"`);
    assert.ok(check > 0 && check < names.indexOf('npm run typecheck') && check < names.findIndex((n) => n.startsWith(`${SCRIPT} pack`)), names.join(' / '));
    for (const { step } of steps.filter(({ step }) => step.env?.TAG)) assert.equal(step.env?.TAG, '${{ github.ref_name }}');
  });

  test('no install scripts run: every npm install and npm ci has --ignore-scripts', () => {
    const installs = steps.filter(({ step }) => /\bnpm (ci|install|i)\b/.test(step.run ?? ''));
    assert.ok(installs.length >= 3);
    for (const { job, step } of installs) assert.match(step.run ?? '', /--ignore-scripts/, `${job} / ${step.name}`);
  });

  test("npm and Node.js: binship's defaults for adopters; the npm pin is not one with npm/cli#8722 and can do trusted publishing", () => {
    const pins = steps.map(({ step }) => /^npm install --global --ignore-scripts npm@(\S+)$/.exec(step.run ?? '')?.[1]).filter(Boolean);
    assert.deepEqual(pins, [defaults.npm_version]);
    for (const broken of BROKEN_NPM) assert.ok(!semver.satisfies(defaults.npm_version, broken.range), `npm ${defaults.npm_version} ${broken.why}`);
    assert.ok(semver.gte(defaults.npm_version, TRUSTED_PUBLISHING_NPM));
    // The pinned npm comes after the dependencies' install: it only publishes.
    const publishSteps = workflow.jobs[PUBLISH_JOB]?.steps.map((s) => s.run ?? '') ?? [];
    assert.ok(publishSteps.indexOf('npm ci --ignore-scripts') < publishSteps.findIndex((r) => r.includes('npm@')));
    const nodes = steps.filter(({ step }) => step.uses?.startsWith(`${ACTIONS.setupNode.repo}@`)).map(({ step }) => String(step.with?.['node-version']));
    assert.deepEqual([...new Set(nodes)], [defaults.node_version]);
    assert.ok(Number(defaults.node_version) >= semver.major(TRUSTED_PUBLISHING_NODE));
  });

  test('every npm uses the registry of the repository variable NPM_REGISTRY, else the public one', () => {
    assert.deepEqual(workflow.env, { npm_config_registry: `\${{ vars.${REGISTRY_VARIABLE} || '${NPM_REGISTRY}' }}` });
    assert.ok(!/--registry|registry-url/.test(text));
  });

  test('no expression inside a run: script; checkouts keep no token; no cache; a release is never cancelled', () => {
    for (const { job, step } of steps) assert.ok(!(step.run ?? '').includes('${{'), `${job} / ${step.name}`);
    for (const { step } of steps.filter(({ step }) => step.uses?.startsWith(`${ACTIONS.checkout.repo}@`)))
      assert.equal(step.with?.['persist-credentials'], false);
    for (const { step } of steps.filter(({ step }) => step.uses?.startsWith(`${ACTIONS.setupNode.repo}@`)))
      assert.equal(step.with?.['package-manager-cache'], false);
    assert.ok(!/cache@|rust-cache/.test(text));
    assert.equal(workflow.concurrency['cancel-in-progress'], false);
    for (const [id, job] of Object.entries(workflow.jobs)) assert.ok((job['timeout-minutes'] ?? 0) > 0, `${id} has no timeout`);
  });

  test('the scripts do the work: every run: is an install, the typecheck, or a self-release command', () => {
    for (const { job, step } of steps) {
      if (step.run === undefined) continue;
      const ok =
        step.run === 'npm ci --ignore-scripts' ||
        step.run === 'npm run typecheck' ||
        /^npm install --global --ignore-scripts npm@\S+$/.test(step.run) ||
        step.run.startsWith(`${SCRIPT} `);
      assert.ok(ok, `${job} / ${step.name}: ${step.run}`);
    }
    assert.deepEqual(
      [...text.matchAll(/scripts\/self-release\/cli\.ts (\S+)/g)].map((m) => m[1]),
      ['check-tag', 'pack', 'publish'],
    );
  });
});
