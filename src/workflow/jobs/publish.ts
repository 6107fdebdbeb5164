// The publish job: after every build passed, through the protected environment and only from
// the configured repository. It checks the downloaded binaries again (checksums, every target
// present), packs the npm packages and publishes them: platform packages first, then the main
// packages.

import {
  checkout,
  collectDownloaded,
  downloadBinaries,
  HOST_RUNNER,
  installBinship,
  type Job,
  note,
  setupNode,
  TIMEOUTS,
  verifyEveryTarget,
  type WorkflowContext,
} from '../steps.js';

/** When publishing happens: tag pushes, and manual runs that ask for it. */
export const PUBLISH_EVENTS = "github.event_name == 'push' || (github.event_name == 'workflow_dispatch' && inputs.publish)";

export function publishJob(context: WorkflowContext): Job {
  const { config, binship, slug } = context;
  const mainPackage = config.binaries[0]?.package ?? '';
  return {
    name: 'Publish to npm',
    needs: ['plan', 'build'],
    if: `github.repository == '${slug}' && (${PUBLISH_EVENTS})`,
    'runs-on': HOST_RUNNER,
    'timeout-minutes': TIMEOUTS.publish,
    // The deployment links to the exact version this run publishes.
    environment: { name: config.workflow.environment, url: `https://www.npmjs.com/package/${mainPackage}/v/\${{ needs.plan.outputs.version }}` },
    permissions: {
      contents: note('read', 'check out the repository'),
      'id-token': note('write', 'npm trusted publishing (OIDC) and npm provenance'),
    },
    steps: [
      checkout(),
      setupNode(context),
      installBinship(context),
      {
        name: `Install npm ${config.workflow.npmVersion} for publishing`,
        comment: "After binship's install, which uses the runner's own npm: the pinned npm only publishes.",
        run: `npm install --global npm@${config.workflow.npmVersion}`,
      },
      downloadBinaries(),
      collectDownloaded(context),
      verifyEveryTarget(context),
      { name: 'Pack', run: binship('pack') },
      {
        name: 'Publish (platform packages first, then the main packages)',
        comment: config.npm.access === 'public' ? undefined : 'Without provenance: npm refuses it for restricted (private) packages.',
        env: {
          DIST_TAG: '${{ needs.plan.outputs.dist-tag }}',
          NODE_AUTH_TOKEN: note('${{ secrets.NPM_TOKEN }}', 'fallback; when the secret is unset npm uses trusted publishing (OIDC)'),
        },
        run: binship(`publish${config.npm.access === 'public' ? ' --provenance' : ''} --tag "$DIST_TAG"`),
      },
    ],
  };
}
