// The plan job: checks the tag against the release version and computes what the other jobs
// do (the build matrix, the version, the npm dist-tag), so a wrong tag or a refused manual
// publish fails here, before anything is built.

import { checkout, HOST_RUNNER, installBinship, type Job, note, setupNode, TIMEOUTS, type WorkflowContext } from '../steps.js';
import { PUBLISH_EVENTS } from './publish.js';

/**
 * The repository variable that says how the publish job authenticates: `trusted-publishing`
 * (default) or `token` (an NPM_TOKEN secret, e.g. for the first release of new packages). The plan
 * job cannot see the publish environment's secrets, so it is told.
 */
export const PUBLISH_AUTH_VARIABLE = 'NPM_PUBLISH_AUTH';

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
      {
        // Before any build: under trusted publishing (OIDC) npm cannot create a package that does
        // not exist yet, nor move a dist-tag; a token may lack access to one of the packages.
        // The plan says so now, with the set-up to do (binship trust), not after the builds.
        name: 'Check that npm will take this release (new packages, dist-tags, access)',
        if: PUBLISH_EVENTS,
        env: { DIST_TAG: '${{ steps.plan.outputs.dist-tag }}', AUTH: `\${{ vars.${PUBLISH_AUTH_VARIABLE} || 'trusted-publishing' }}` },
        run: binship('publish --preflight --tag "$DIST_TAG" --auth "$AUTH"'),
      },
    ],
  };
}
