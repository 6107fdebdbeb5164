// The plan job: checks the tag against the release version and computes what the other jobs
// do (the build matrix, the version, the npm dist-tag), so a wrong tag or a refused manual
// publish fails here, before anything is built.

import { checkout, HOST_RUNNER, installBinship, note, setupNode, TIMEOUTS, type Job, type WorkflowContext } from '../steps.js';

export function planJob(context: WorkflowContext): Job {
  const { binship } = context;
  return {
    name: 'Plan',
    'runs-on': HOST_RUNNER,
    'timeout-minutes': TIMEOUTS.plan,
    permissions: { contents: note('read', 'check out the repository') },
    outputs: {
      matrix: '${{ steps.plan.outputs.matrix }}',
      version: '${{ steps.plan.outputs.version }}',
      'dist-tag': '${{ steps.plan.outputs.dist-tag }}',
    },
    steps: [
      checkout(),
      setupNode(context),
      installBinship(context),
      {
        name: 'Check the tag against the release version',
        if: "github.event_name == 'push'",
        env: { TAG: '${{ github.ref_name }}' },
        run: binship('version --check-tag "$TAG"'),
      },
      // PUBLISH PREFLIGHT GOES HERE (not wired yet): the publish module's command that finds the
      // packages the registry does not have yet (first release, a newly added target), which
      // trusted publishing (OIDC) cannot create, and fails the plan with the set-up to do first
      // (`binship trust`). It belongs after the tag check and before any build.
      {
        name: 'Plan the build matrix, version and npm dist-tag',
        id: 'plan',
        env: { DIST_TAG: '${{ inputs.dist-tag }}', PUBLISH: '${{ inputs.publish }}' },
        run: [
          'if [ "$GITHUB_EVENT_NAME" = workflow_dispatch ]; then',
          `  ${binship('matrix --dist-tag "$DIST_TAG" --publish "$PUBLISH"')} | tee -a "$GITHUB_OUTPUT"`,
          'else',
          `  ${binship('matrix')} | tee -a "$GITHUB_OUTPUT"`,
          'fi',
          '',
        ].join('\n'),
      },
    ],
  };
}
