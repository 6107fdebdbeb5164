#!/usr/bin/env bash
# Builds nektos/act, pinned and patched, into .cache/tools/bin/act (project-local; nothing global
# is touched). `npm run test:workflow` runs the generated release workflow with it (host mode,
# no Docker). Steps:
#   1. the module source of github.com/nektos/act@v$ACT_VERSION from the Go module proxy
#      (`go mod download`, the same source `go install github.com/nektos/act@v…` builds);
#   2. a copy of it with every scripts/act/*.patch applied (why each is needed: its header);
#   3. `go build` of the copy.
# Idempotent: a binary built from the same version and the same patches is left alone (a stamp
# file records both). Bump ACT_VERSION or change a patch, rerun.
set -euo pipefail

ACT_VERSION=0.2.89

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.cache/tools/bin"
stamp="$root/.cache/tools/act.stamp"
patches=("$root"/scripts/act/*.patch)
mkdir -p "$bin"

go="$(command -v go || true)"
[ -n "$go" ] || [ ! -x /usr/local/go/bin/go ] || go=/usr/local/go/bin/go
if [ -z "$go" ]; then
  echo "install-act: go is not on PATH nor in /usr/local/go; install Go (https://go.dev/doc/install) and rerun" >&2
  exit 1
fi

want="act $ACT_VERSION patches $(cat "${patches[@]}" | sha256sum | cut -d' ' -f1)"
if [ -x "$bin/act" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  echo "act $ACT_VERSION (patched) already installed"
  exit 0
fi

echo "building act v$ACT_VERSION with $("$go" version), patched"
source_dir="$(GOFLAGS=-modcacherw "$go" mod download -json "github.com/nektos/act@v$ACT_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
if [ ! -f "$source_dir/main.go" ]; then
  echo "install-act: the Go module proxy did not give the source of github.com/nektos/act@v$ACT_VERSION (got \"$source_dir\"); check GOPROXY and rerun" >&2
  exit 1
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -R "$source_dir" "$work/act"
chmod -R u+w "$work/act"
for p in "${patches[@]}"; do
  (cd "$work/act" && patch -p1 --forward --quiet < "$p")
done
(cd "$work/act" && GOFLAGS=-modcacherw CGO_ENABLED=0 "$go" build -trimpath -o "$work/act.bin" .)
mv "$work/act.bin" "$bin/act"
echo "$want" > "$stamp"
echo "act in $bin: $("$bin/act" --version)"
