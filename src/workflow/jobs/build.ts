// The build job: one per target of the plan's matrix, each on a runner that runs the target
// natively, so every target gets a real smoke run. It builds, collects and verifies with
// binship, attests the binaries' provenance and uploads them as `binaries-<platform>`.

import { SUMS_FILE } from '../../dist/manifest.js';
import { ACTIONS } from '../actions.js';
import { buildMatrix } from '../matrix.js';
import { checkout, installBinship, type Job, note, type Step, setupNode, TIMEOUTS, type WorkflowContext } from '../steps.js';

/** When the build may use the Cargo cache: only manual runs that do not publish. */
export const CACHE_CONDITION = "github.event_name == 'workflow_dispatch' && !inputs.publish";

export function buildJob(context: WorkflowContext): Job {
  const { config, binship, relative } = context;
  const dist = relative(config.distDir);
  return {
    name: 'Build ${{ matrix.platform }}',
    needs: 'plan',
    'runs-on': '${{ matrix.runner }}',
    'timeout-minutes': TIMEOUTS.build,
    permissions: {
      contents: note('read', 'check out the repository'),
      'id-token': note('write', 'sign the build provenance attestations (Sigstore)'),
      attestations: note('write', 'store the attestations'),
    },
    strategy: {
      'fail-fast': false,
      matrix: '${{ fromJSON(needs.plan.outputs.matrix) }}',
    },
    steps: [
      checkout(),
      {
        name: 'Install system packages',
        if: "matrix.apt != ''",
        env: { APT_PACKAGES: '${{ matrix.apt }}' },
        run: ['read -r -a packages <<< "$APT_PACKAGES"', 'sudo apt-get update', 'sudo apt-get install -y --no-install-recommends "${packages[@]}"', ''].join(
          '\n',
        ),
      },
      ...zigbuildStep(context),
      {
        name: `Install Rust ${config.cargo.toolchain}`,
        uses: ACTIONS.rustToolchain,
        with: { toolchain: config.cargo.toolchain, targets: '${{ matrix.target }}' },
      },
      {
        name: 'Restore the Cargo cache (manual runs that do not publish; saved only on the default branch)',
        comment: 'A run that publishes never restores a cache: any default-branch job can write a cache entry, so it is not trusted input for a release.',
        if: CACHE_CONDITION,
        usesComment: 'zizmor: ignore[cache-poisoning] this step is skipped (if: above) in every run that publishes',
        uses: ACTIONS.rustCache,
        with: {
          workspaces: `${relative(config.cargo.workspaceDir)} -> target`,
          key: '${{ matrix.target }}',
          'save-if': note(
            "${{ github.ref == format('refs/heads/{0}', github.event.repository.default_branch) }}",
            'caches are written only by default-branch runs',
          ),
        },
      },
      setupNode(context),
      installBinship(context),
      { name: 'Build', env: { TARGET: '${{ matrix.target }}' }, run: binship('build --target "$TARGET"') },
      { name: 'Collect', env: { TARGET: '${{ matrix.target }}' }, run: binship('collect --target "$TARGET"') },
      { name: 'Verify (with a smoke run: every runner is native for its target)', run: binship('verify') },
      {
        name: 'Attest build provenance',
        comment: `One attestation per binary, named as in ${SUMS_FILE}; \`gh attestation verify\` checks them (release notes).`,
        uses: ACTIONS.attest,
        with: { 'subject-checksums': `${dist}/${SUMS_FILE}` },
      },
      {
        name: 'Upload the binaries',
        uses: ACTIONS.uploadArtifact,
        with: {
          name: 'binaries-${{ matrix.platform }}',
          path: `${dist}/`,
          'retention-days': "${{ github.event_name == 'push' && 90 || 30 }}",
          'if-no-files-found': 'error',
        },
      },
    ],
  };
}

/**
 * cargo-zigbuild and zig (pinned, from PyPI, in a virtualenv put on PATH) for the entries whose
 * matrix `pip` lists them: glibc targets with a floor below the runner's. Only configs that
 * need it get the step.
 */
function zigbuildStep({ config }: WorkflowContext): Step[] {
  if (!buildMatrix(config).include.some((entry) => entry.pip)) return [];
  return [
    {
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
    },
  ];
}
