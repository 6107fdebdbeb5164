// Generates the GitHub Actions release workflow from the release config: a pure function of the
// config (no clock, no environment), so `binship workflow --check` can tell when the checked-in
// file is stale. Every step that does real work runs a binship command, the same one a developer
// runs locally; the YAML only wires jobs, permissions and pinned actions together.
//
// Security rules the output keeps (tests and zizmor check them; docs/ci-cd.md explains them):
// - every action pinned to a full commit SHA (src/workflow/actions.ts), version in a comment;
// - `permissions: {}` at the top, each job asks for what it needs and no more;
// - no `${{ }}` inside any `run:` script: values reach scripts through `env:` only;
// - checkout never persists the token; publishing only from the configured repository, through
//   a protected environment; caches are written only by default-branch runs, never by a release.

import path from 'node:path';
import semver from 'semver';
import { Document, isMap, isScalar, isSeq, visit, type Pair } from 'yaml';
import type { ReleaseConfig } from '../config/load.js';
import { SUMS_FILE } from '../dist/manifest.js';
import { UsageError } from '../errors.js';
import { githubSlug } from '../github.js';
import { ACTIONS, usesRef, type PinnedAction } from './actions.js';
import { buildMatrix } from './matrix.js';

/** Runner of the jobs that are not per target (plan, publish): any current Linux will do. */
export const HOST_RUNNER = 'ubuntu-24.04';
export const NPM_REGISTRY = 'https://registry.npmjs.org';
/** Default dist-tag offered for manual runs. */
export const MANUAL_DIST_TAG = 'dev';
/** Minimum versions npm trusted publishing (OIDC) needs. */
export const TRUSTED_PUBLISHING_NPM = '11.5.1';
export const TRUSTED_PUBLISHING_NODE = '22.14.0';

export const TIMEOUTS = { plan: 10, build: 60, publish: 30 } as const;

type Step = Record<string, unknown>;

/** A step key turned into a comment line just before the step's `uses:` (then removed). */
const BEFORE_USES = '#before-uses';

/** When the build may use the Cargo cache: only manual runs that do not publish. */
export const CACHE_CONDITION = "github.event_name == 'workflow_dispatch' && !inputs.publish";

/** Trailing comments on keys that need a reason next to them. */
const KEY_COMMENTS: Record<string, string> = {
  'cancel-in-progress': 'never cancel a release half way: some packages could be out and others not',
  'persist-credentials': 'no token left in .git/config for later steps',
  'package-manager-cache': 'no npm cache: a run that publishes restores nothing from a cache',
  'save-if': 'caches are written only by default-branch runs',
  NODE_AUTH_TOKEN: 'fallback; when the secret is unset npm uses trusted publishing (OIDC)',
};

/** Why each job needs each permission, written next to it. */
const PERMISSION_REASONS: Record<string, Record<string, string>> = {
  plan: { contents: 'check out the repository' },
  build: {
    contents: 'check out the repository',
    'id-token': 'sign the build provenance attestations (Sigstore)',
    attestations: 'store the attestations',
  },
  publish: {
    contents: 'check out the repository',
    'id-token': 'npm trusted publishing (OIDC) and npm provenance',
  },
};

/** `owner/repo` of the project's GitHub repository URL. */
export function repositorySlug(config: ReleaseConfig): string {
  const slug = githubSlug(config.project.repository);
  if (!slug) {
    throw new UsageError(`[project] repository "${config.project.repository}" is not a GitHub URL; write "https://github.com/OWNER/REPO"`);
  }
  return slug;
}

/** The workflow file text for `config`. */
export function generateWorkflow(config: ReleaseConfig): string {
  checkWorkflowConfig(config);
  const { workflow } = config;
  const run = (args: string): string => `${workflow.command} ${args}`;
  const relative = (to: string): string => posix(path.relative(config.root, to)) || '.';
  const dist = relative(config.distDir);
  const slug = repositorySlug(config);
  const configName = path.basename(config.configPath);

  const checkout: Step = {
    name: 'Check out the repository',
    uses: usesRef(ACTIONS.checkout),
    with: { 'persist-credentials': false },
  };
  const setupNode = (extra: Record<string, unknown> = {}): Step => ({
    name: 'Set up Node.js',
    uses: usesRef(ACTIONS.setupNode),
    with: { 'node-version': workflow.nodeVersion, 'package-manager-cache': false, ...extra },
  });
  const installBinship: Step = { name: 'Install binship', run: workflow.install };

  const plan = {
    name: 'Plan',
    'runs-on': HOST_RUNNER,
    'timeout-minutes': TIMEOUTS.plan,
    permissions: { contents: 'read' },
    outputs: {
      matrix: '${{ steps.plan.outputs.matrix }}',
      version: '${{ steps.plan.outputs.version }}',
      'dist-tag': '${{ steps.plan.outputs.dist-tag }}',
    },
    steps: [
      checkout,
      setupNode(),
      installBinship,
      {
        name: 'Check the tag against the release version',
        if: "github.event_name == 'push'",
        env: { TAG: '${{ github.ref_name }}' },
        run: `${run('version --check-tag "$TAG"')}`,
      },
      {
        name: 'Plan the build matrix, version and npm dist-tag',
        id: 'plan',
        env: { DIST_TAG: '${{ inputs.dist-tag }}', PUBLISH: '${{ inputs.publish }}' },
        run: [
          'if [ "$GITHUB_EVENT_NAME" = workflow_dispatch ]; then',
          `  ${run('matrix --dist-tag "$DIST_TAG" --publish "$PUBLISH"')} | tee -a "$GITHUB_OUTPUT"`,
          'else',
          `  ${run('matrix')} | tee -a "$GITHUB_OUTPUT"`,
          'fi',
          '',
        ].join('\n'),
      },
    ],
  };

  const build = {
    name: 'Build ${{ matrix.platform }}',
    needs: 'plan',
    'runs-on': '${{ matrix.runner }}',
    'timeout-minutes': TIMEOUTS.build,
    permissions: {
      contents: 'read',
      'id-token': 'write',
      attestations: 'write',
    },
    strategy: {
      'fail-fast': false,
      matrix: '${{ fromJSON(needs.plan.outputs.matrix) }}',
    },
    steps: [
      checkout,
      {
        name: 'Install system packages',
        if: "matrix.apt != ''",
        env: { APT_PACKAGES: '${{ matrix.apt }}' },
        run: [
          'read -r -a packages <<< "$APT_PACKAGES"',
          'sudo apt-get update',
          'sudo apt-get install -y --no-install-recommends "${packages[@]}"',
          '',
        ].join('\n'),
      },
      ...pipStep(config),
      {
        name: `Install Rust ${config.cargo.toolchain}`,
        uses: usesRef(ACTIONS.rustToolchain),
        with: { toolchain: config.cargo.toolchain, targets: '${{ matrix.target }}' },
      },
      {
        name: 'Restore the Cargo cache (manual runs that do not publish; saved only on the default branch)',
        // A run that publishes never restores a cache: a cache entry is writable by any job on
        // the default branch, so it is not trusted input for a release (docs/ci-cd.md).
        if: CACHE_CONDITION,
        [BEFORE_USES]: 'zizmor: ignore[cache-poisoning] this step is skipped (if: above) in every run that publishes',
        uses: usesRef(ACTIONS.rustCache),
        with: {
          workspaces: `${relative(config.cargo.workspaceDir)} -> target`,
          key: '${{ matrix.target }}',
          'save-if': "${{ github.ref == format('refs/heads/{0}', github.event.repository.default_branch) }}",
        },
      },
      setupNode(),
      installBinship,
      { name: 'Build', env: { TARGET: '${{ matrix.target }}' }, run: run('build --target "$TARGET"') },
      { name: 'Collect', env: { TARGET: '${{ matrix.target }}' }, run: run('collect --target "$TARGET"') },
      { name: 'Verify (with a smoke run: every runner is native for its target)', run: run('verify') },
      {
        name: 'Attest build provenance',
        uses: usesRef(ACTIONS.attestBuildProvenance),
        with: { 'subject-checksums': `${dist}/${SUMS_FILE}` },
      },
      {
        name: 'Upload the binaries',
        uses: usesRef(ACTIONS.uploadArtifact),
        with: {
          name: 'binaries-${{ matrix.platform }}',
          path: `${dist}/`,
          'retention-days': "${{ github.event_name == 'push' && 90 || 30 }}",
          'if-no-files-found': 'error',
        },
      },
    ],
  };

  const publish = {
    name: 'Publish to npm',
    needs: ['plan', 'build'],
    if: `github.repository == '${slug}' && (github.event_name == 'push' || (github.event_name == 'workflow_dispatch' && inputs.publish))`,
    'runs-on': HOST_RUNNER,
    'timeout-minutes': TIMEOUTS.publish,
    // The deployment links to the exact version this run publishes.
    environment: { name: workflow.environment, url: `https://www.npmjs.com/package/${config.binaries[0]?.package ?? ''}/v/\${{ needs.plan.outputs.version }}` },
    permissions: {
      contents: 'read',
      'id-token': 'write',
    },
    steps: [
      checkout,
      setupNode({ 'registry-url': NPM_REGISTRY }),
      { name: `Install npm ${workflow.npmVersion}`, run: `npm install -g npm@${workflow.npmVersion}` },
      installBinship,
      {
        name: 'Download the binaries of every target',
        uses: usesRef(ACTIONS.downloadArtifact),
        with: { pattern: 'binaries-*', path: 'artifacts' },
      },
      { name: 'Collect (restores exec bits, checks checksums)', run: run('collect --from artifacts') },
      { name: 'Verify every target is there', run: run('verify --require-all') },
      { name: 'Pack', run: run('pack') },
      {
        name: 'Publish (platform packages first, then the main packages)',
        env: {
          DIST_TAG: '${{ needs.plan.outputs.dist-tag }}',
          NODE_AUTH_TOKEN: '${{ secrets.NPM_TOKEN }}',
        },
        // npm refuses provenance for restricted (private) packages.
        run: run(`publish${config.npm.access === 'public' ? ' --provenance' : ''} --tag "$DIST_TAG"`),
      },
    ],
  };

  const workflowObject = {
    name: `${config.project.name} release`,
    on: {
      push: { tags: ['v*.*.*'] },
      workflow_dispatch: {
        inputs: {
          publish: {
            description: `Publish to npm after building (through the ${workflow.environment} environment)`,
            type: 'boolean',
            required: false,
            default: false,
          },
          'dist-tag': {
            description: 'npm dist-tag for a manual publish (never latest: releases come from tags)',
            type: 'string',
            required: false,
            default: MANUAL_DIST_TAG,
          },
        },
      },
    },
    permissions: {},
    concurrency: { group: '${{ github.workflow }}-${{ github.ref }}', 'cancel-in-progress': false },
    defaults: { run: { shell: 'bash' } },
    jobs: { plan, build, publish },
  };

  const doc = new Document(workflowObject, { aliasDuplicateObjects: false });
  doc.commentBefore = [
    ` generated by binship from ${configName}; do not edit.`,
    ` Regenerate with \`binship workflow\`; \`binship workflow --check\` fails when this file is stale.`,
    ' How it works, how to release, and the cache and security policy: docs/ci-cd.md',
  ].join('\n');
  decorate(doc);
  const text = doc.toString({ lineWidth: 0, blockQuote: 'literal' });
  assertNoExpressionInRun(workflowObject.jobs);
  return text;
}

/**
 * cargo-zigbuild and zig (pinned, from PyPI, in a virtualenv put on PATH) for the entries whose
 * matrix `pip` lists them: glibc targets with a floor below the runner's. Only configs that
 * need it get the step.
 */
function pipStep(config: ReleaseConfig): Step[] {
  if (!buildMatrix(config).include.some((entry) => entry.pip)) return [];
  return [{
    name: 'Install cargo-zigbuild and zig (to link against the configured glibc floor)',
    if: "matrix.pip != ''",
    env: { PIP_PACKAGES: '${{ matrix.pip }}' },
    run: [
      'read -r -a packages <<< "$PIP_PACKAGES"',
      'python3 -m venv "$RUNNER_TEMP/zigbuild"',
      '"$RUNNER_TEMP/zigbuild/bin/pip" install --disable-pip-version-check "${packages[@]}"',
      'echo "$RUNNER_TEMP/zigbuild/bin" >> "$GITHUB_PATH"',
      '',
    ].join('\n'),
  }];
}

/** Trailing `# vX.Y.Z` on each `uses:`, reasons next to permissions, blank lines between blocks. */
function decorate(doc: Document): void {
  const root = doc.contents;
  if (!isMap(root)) return;
  root.items.forEach((pair, i) => i > 0 && setSpaceBefore(pair));
  const jobs = root.get('jobs');
  if (!isMap(jobs)) return;
  jobs.items.forEach((pair, i) => i > 0 && setSpaceBefore(pair));
  const topPermissions = root.get('permissions');
  if (isMap(topPermissions)) topPermissions.flow = true;

  for (const jobPair of jobs.items) {
    const job = String(isScalar(jobPair.key) ? jobPair.key.value : '');
    if (!isMap(jobPair.value)) continue;
    const permissions = jobPair.value.get('permissions');
    if (isMap(permissions)) {
      for (const item of permissions.items) {
        const why = isScalar(item.key) ? PERMISSION_REASONS[job]?.[String(item.key.value)] : undefined;
        if (why && isScalar(item.value)) item.value.comment = ` ${why}`;
      }
    }
    const steps = jobPair.value.get('steps');
    if (isSeq(steps)) steps.items.forEach((item, i) => { if (i > 0 && isMap(item)) item.spaceBefore = true; });
  }

  visit(doc, {
    Map(_, map) {
      const marker = map.items.findIndex((pair) => isScalar(pair.key) && pair.key.value === BEFORE_USES);
      if (marker < 0) return;
      const [removed] = map.items.splice(marker, 1);
      const uses = map.items.find((pair) => isScalar(pair.key) && pair.key.value === 'uses');
      if (!removed || !uses || !isScalar(uses.key) || !isScalar(removed.value)) throw new Error(`internal error: ${BEFORE_USES} needs a uses: in the same step`);
      uses.key.commentBefore = ` ${String(removed.value.value)}`;
    },
    Pair(_, pair) {
      if (!isScalar(pair.key) || !isScalar(pair.value)) return;
      const key = String(pair.key.value);
      if (key === 'uses') {
        const action = PINNED_BY_REF.get(String(pair.value.value));
        if (!action) throw new Error(`internal error: uses: ${String(pair.value.value)} is not a pinned action`);
        pair.value.comment = ` ${action.version}`;
      } else if (KEY_COMMENTS[key]) {
        pair.value.comment = ` ${KEY_COMMENTS[key]}`;
      }
    },
  });
}

const PINNED_BY_REF = new Map<string, PinnedAction>(Object.values(ACTIONS).map((a) => [usesRef(a), a]));

function setSpaceBefore(pair: Pair): void {
  if (isScalar(pair.key)) pair.key.spaceBefore = true;
}

function posix(p: string): string {
  return p.split(path.sep).join('/');
}

/** Config values that end up inside the YAML must be plain text, not expressions or scripts. */
function checkWorkflowConfig(config: ReleaseConfig): void {
  const { workflow } = config;
  const fields: [string, string][] = [
    ['install', workflow.install],
    ['command', workflow.command],
    ['environment', workflow.environment],
    ['node_version', workflow.nodeVersion],
    ['npm_version', workflow.npmVersion],
  ];
  for (const [key, value] of fields) {
    if (value.trim() === '' || value.includes('${{') || /[\r\n]/.test(value)) {
      throw new UsageError(`[workflow] ${key} = ${JSON.stringify(value)}: must be one non-empty line without "\${{ }}" expressions; fix it in ${path.basename(config.configPath)}`);
    }
  }
  if (!semver.valid(workflow.npmVersion)) {
    throw new UsageError(`[workflow] npm_version "${workflow.npmVersion}": must be an exact npm version such as "11.6.2"`);
  }
  if (semver.lt(workflow.npmVersion, TRUSTED_PUBLISHING_NPM)) {
    throw new UsageError(`[workflow] npm_version ${workflow.npmVersion}: npm trusted publishing needs npm ${TRUSTED_PUBLISHING_NPM} or newer; raise it`);
  }
  const node = workflow.nodeVersion;
  const tooOldNode = /^\d+$/.test(node)
    ? Number(node) < 22
    : /^\d+\.\d+(\.\d+)?$/.test(node) && semver.lt(semver.coerce(node)?.version ?? '0.0.0', TRUSTED_PUBLISHING_NODE);
  if (tooOldNode) {
    throw new UsageError(`[workflow] node_version ${node}: npm trusted publishing needs Node.js ${TRUSTED_PUBLISHING_NODE} or newer; use e.g. "24"`);
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9 _.-]*$/.test(workflow.environment)) {
    throw new UsageError(`[workflow] environment "${workflow.environment}": use a GitHub environment name of letters, digits, " ", "_", "." and "-"`);
  }
}

/** Internal invariant: no run script interpolates an expression (zizmor's template-injection). */
function assertNoExpressionInRun(jobs: Record<string, { steps: Step[] }>): void {
  for (const [job, { steps }] of Object.entries(jobs)) {
    for (const step of steps) {
      if (typeof step.run === 'string' && step.run.includes('${{')) {
        throw new Error(`internal error: job ${job} step "${String(step.name)}" has an expression in run:; pass it through env:`);
      }
    }
  }
}
