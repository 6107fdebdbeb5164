// The release job: on a tag push, once npm publishing succeeded, a GitHub Release for people
// who do not install through npm. binship writes the archives (one per target), SHA256SUMS and
// the release notes; `gh release create` (preinstalled on GitHub's runners) uploads them.

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

/** Where `binship archive` writes: assets/ (attached to the release) and notes.md. */
const RELEASE_DIR = 'github-release';

export function releaseJob(context: WorkflowContext): Job {
  const { binship } = context;
  return {
    name: 'GitHub Release',
    needs: ['plan', 'publish'],
    if: "github.event_name == 'push'",
    'runs-on': HOST_RUNNER,
    'timeout-minutes': TIMEOUTS.release,
    permissions: { contents: note('write', 'check out the repository, create the release and upload its files') },
    steps: [
      checkout(),
      setupNode(context),
      installBinship(context),
      downloadBinaries(),
      collectDownloaded(context),
      verifyEveryTarget(context),
      { name: 'Archive each target, write SHA256SUMS and the release notes', run: binship(`archive --out ${RELEASE_DIR}`) },
      {
        name: 'Create the GitHub Release',
        comment: 'gh uploads to a draft and publishes it once every file is there; a failed upload deletes the draft, so the job can be run again.',
        env: {
          GH_TOKEN: '${{ github.token }}',
          TAG: '${{ github.ref_name }}',
          PRERELEASE: note("${{ needs.plan.outputs.dist-tag != 'latest' }}", 'a prerelease version is published under its own dist-tag'),
        },
        run: `gh release create "$TAG" --verify-tag --notes-file ${RELEASE_DIR}/notes.md --prerelease="$PRERELEASE" ${RELEASE_DIR}/assets/*`,
      },
    ],
  };
}
