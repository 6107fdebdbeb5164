// The third-party actions the generated workflow uses, each pinned to the full commit SHA its
// release tag pointed to when it was pinned (a tag can be moved; a commit cannot). The `version`
// is written as a comment after the SHA so people and Dependabot/Renovate can read it.
//
// How each pin was checked: in a clone of the action's repository,
//   git rev-parse vX.Y.Z^{commit}     equals `sha`, and so does the moving major tag (vX)
//   git show vX.Y.Z:action.yml        runs on node24 (or is composite) and has the inputs used
// To update: pick the newest release tag, repeat both checks, change `sha` and `version`
// together, run `binship workflow`, and read the action's changelog for breaking changes.

export interface PinnedAction {
  /** `owner/repo`. */
  repo: string;
  /** Full 40-hex commit SHA. */
  sha: string;
  /** The release the SHA is, for the trailing comment. */
  version: string;
}

export const ACTIONS = {
  checkout: { repo: 'actions/checkout', sha: '3d3c42e5aac5ba805825da76410c181273ba90b1', version: 'v7.0.1' },
  setupNode: { repo: 'actions/setup-node', sha: '820762786026740c76f36085b0efc47a31fe5020', version: 'v7.0.0' },
  // dtolnay/rust-toolchain has no release tags (its branches are named after Rust versions); the
  // pin is the head of master and the exact toolchain comes from the `toolchain:` input.
  rustToolchain: { repo: 'dtolnay/rust-toolchain', sha: '3c5f7ea28cd621ae0bf5283f0e981fb97b8a7af9', version: 'master 2026-03-27' },
  rustCache: { repo: 'Swatinem/rust-cache', sha: '6323deb102c322ba6fcbdcafc7e3dddab59af2b6', version: 'v2.9.2' },
  // actions/attest itself: attest-build-provenance v4 is only a wrapper around this same commit.
  attest: { repo: 'actions/attest', sha: '59d89421af93a897026c735860bf21b6eb4f7b26', version: 'v4.1.0' },
  uploadArtifact: { repo: 'actions/upload-artifact', sha: 'bbbca2ddaa5d8feaa63e36b76fdaad77386f024f', version: 'v7.0.0' },
  downloadArtifact: { repo: 'actions/download-artifact', sha: '3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c', version: 'v8.0.1' },
} as const satisfies Record<string, PinnedAction>;

/** The `uses:` value of a pinned action: `owner/repo@sha`. */
export function usesRef(action: PinnedAction): string {
  return `${action.repo}@${action.sha}`;
}
