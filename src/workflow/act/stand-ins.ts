// What the rehearsal puts in place of the parts of a GitHub-hosted run that cannot exist on a
// machine without GitHub: each stand-in does the checks the real thing would do on its inputs,
// does nothing that leaves the machine, and prints one REPLACED line saying what it replaced
// and why. The run's report (./report.ts) marks a step "replaced" only when its log has that
// line, so a stand-in that did not run can never be reported as one that did.
//
//   actions/attest         composite action: checks every SHA256SUMS line and its file; no
//                          signature (no OIDC token, Sigstore unreachable)
//   rustup                 `rustup toolchain install` succeeds for a toolchain already linked in
//                          (no download); every other rustup command is the real rustup
//   gh                     `gh release create`: checks the tag, the notes and every file, and
//                          copies them to the rehearsal's output instead of uploading
//   npm provenance         binship publish --provenance publishes without provenance when the
//                          rehearsal says so and no OIDC token exists (src/workflow/act/oidc.ts)

import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The line every stand-in prints, then `<what>: <why>`. */
export const REPLACED = 'binship-rehearsal: replaced';

export interface StandIns {
  /** Local tree of the attest stand-in, for `--local-repository actions/attest@<sha>=<dir>`. */
  attestAction: string;
  /** Directory to put first on PATH: `rustup` and `gh`. */
  binDir: string;
}

/**
 * Writes the stand-ins below `dir`. `realRustup`: the rustup binary the shim passes every other
 * command to (none: no rustup shim, the workflow has no Rust); `releaseOut`: where `gh release
 * create` copies the release.
 */
export function writeStandIns(dir: string, options: { realRustup?: string; releaseOut: string }): StandIns {
  const attestAction = path.join(dir, 'attest');
  const binDir = path.join(dir, 'bin');
  mkdirSync(attestAction, { recursive: true });
  mkdirSync(binDir, { recursive: true });
  writeFileSync(path.join(attestAction, 'action.yml'), ATTEST_ACTION);
  if (options.realRustup) writeExecutable(path.join(binDir, 'rustup'), rustupShim(options.realRustup));
  writeExecutable(path.join(binDir, 'gh'), ghShim(options.releaseOut));
  return { attestAction, binDir };
}

function writeExecutable(file: string, text: string): void {
  writeFileSync(file, text);
  chmodSync(file, 0o755);
}

const ATTEST_ACTION = `name: attest (binship rehearsal stand-in)
description: Checks the subjects an attestation would name; signs nothing (no OIDC token, no Sigstore offline).
inputs:
  subject-path: {required: false}
  subject-name: {required: false}
  subject-digest: {required: false}
  subject-checksums: {required: false}
  github-token: {required: false, default: "\${{ github.token }}"}
  show-summary: {required: false, default: "true"}
outputs:
  bundle-path: {value: "\${{ steps.stand-in.outputs.bundle-path }}"}
  attestation-id: {value: "\${{ steps.stand-in.outputs.attestation-id }}"}
  attestation-url: {value: "\${{ steps.stand-in.outputs.attestation-url }}"}
runs:
  using: composite
  steps:
    - id: stand-in
      shell: bash
      env:
        CHECKSUMS: \${{ inputs.subject-checksums }}
      run: |
        set -euo pipefail
        if [ -z "$CHECKSUMS" ]; then echo "::error::the stand-in checks subject-checksums only; the workflow gave none"; exit 1; fi
        test -s "$CHECKSUMS" || { echo "::error::subject-checksums file $CHECKSUMS is missing or empty"; exit 1; }
        base="$(dirname "$CHECKSUMS")"
        count=0
        while read -r sum name; do
          name="\${name#\\*}"
          [[ $sum =~ ^[0-9a-f]{64}$ ]] || { echo "::error::bad line in $CHECKSUMS: $sum $name"; exit 1; }
          actual="$(sha256sum "$base/$name" | cut -d' ' -f1)"
          [ "$actual" = "$sum" ] || { echo "::error::$base/$name has sha256 $actual, $CHECKSUMS says $sum"; exit 1; }
          echo "would attest $name sha256:$sum"
          count=$((count + 1))
        done < "$CHECKSUMS"
        echo "${REPLACED}: attestation signing of $count subjects: no OIDC token or Sigstore here (each subject's checksum was checked)"
        { echo "bundle-path="; echo "attestation-id=rehearsal"; echo "attestation-url="; } >> "$GITHUB_OUTPUT"
`;

function rustupShim(realRustup: string): string {
  return `#!/usr/bin/env bash
# binship rehearsal stand-in for \`rustup toolchain install\` (dtolnay/rust-toolchain runs it):
# nothing can be downloaded here, so it succeeds when the toolchain is already installed and
# says which requested targets it lacks; every other command is the real rustup.
real=${JSON.stringify(realRustup)}
if [ "$1" = toolchain ] && [ "$2" = install ]; then
  toolchain=$3; shift 3; targets=()
  while [ $# -gt 0 ]; do case $1 in --target) targets+=("$2"); shift 2;; --component|--profile) shift 2;; *) shift;; esac; done
  sysroot=$("$real" run "$toolchain" rustc --print sysroot 2>/dev/null) || { echo "rustup stand-in: toolchain $toolchain is not installed for the rehearsal, and nothing can be downloaded" >&2; exit 1; }
  missing=()
  for t in "\${targets[@]}"; do compgen -G "$sysroot/lib/rustlib/$t/lib/libstd-*.rlib" >/dev/null || missing+=("$t"); done
  if [ \${#missing[@]} -eq 0 ]; then
    echo "${REPLACED}: rustup toolchain install $toolchain: no downloads here; this machine's $toolchain is linked in"
  else
    echo "${REPLACED}: rustup toolchain install $toolchain: no downloads here; this machine's $toolchain is linked in, without the standard library of \${missing[*]} (binship build picks a toolchain on this machine that has it)"
  fi
  exit 0
fi
exec "$real" "$@"
`;
}

function ghShim(releaseOut: string): string {
  return `#!/usr/bin/env bash
# binship rehearsal stand-in for the GitHub CLI: \`gh release create\` checks what the real one
# would need (the tag exists, the notes file and every file to attach exist) and copies them to
# the rehearsal's output instead of uploading to GitHub. Nothing else is available.
set -euo pipefail
out=${JSON.stringify(releaseOut)}
if [ "\${1:-}" != release ] || [ "\${2:-}" != create ]; then
  echo "gh stand-in: only 'gh release create' is available in the rehearsal (got: gh $*)" >&2
  exit 1
fi
shift 2
tag=""; notes=""; prerelease=false; verify_tag=false; files=()
while [ $# -gt 0 ]; do
  case $1 in
    --notes-file) notes=$2; shift 2;;
    --notes-file=*) notes=\${1#*=}; shift;;
    --prerelease) prerelease=true; shift;;
    --prerelease=*) prerelease=\${1#*=}; shift;;
    --verify-tag) verify_tag=true; shift;;
    -*) echo "gh stand-in: option $1 is not checked by the rehearsal" >&2; exit 1;;
    *) if [ -z "$tag" ]; then tag=$1; else files+=("$1"); fi; shift;;
  esac
done
[ -n "$tag" ] || { echo "gh stand-in: no tag given" >&2; exit 1; }
[ -n "\${GH_TOKEN:-}" ] || { echo "gh stand-in: GH_TOKEN is not set: the real gh would not be logged in" >&2; exit 1; }
if $verify_tag; then git rev-parse -q --verify "refs/tags/$tag" >/dev/null || { echo "gh stand-in: --verify-tag: tag $tag does not exist" >&2; exit 1; }; fi
[ -s "$notes" ] || { echo "gh stand-in: notes file '$notes' is missing or empty" >&2; exit 1; }
[ \${#files[@]} -gt 0 ] || { echo "gh stand-in: no files to attach" >&2; exit 1; }
for f in "\${files[@]}"; do [ -f "$f" ] || { echo "gh stand-in: $f is not a file" >&2; exit 1; }; done
mkdir -p "$out/$tag/assets"
cp "$notes" "$out/$tag/notes.md"
cp "\${files[@]}" "$out/$tag/assets/"
printf '%s\\n' "$prerelease" > "$out/$tag/prerelease"
echo "${REPLACED}: gh release create $tag with \${#files[@]} files (prerelease: $prerelease): no GitHub here; the release was copied to $out/$tag"
`;
}
