#!/usr/bin/env bash
# One-time (and idempotent) set-up of a fresh Debian 12 machine for binship and LeanSpec:
#   - Debian's Rust (rustc-web/cargo-web) with the ARM64 standard library, the ARM64 cross
#     linker and C library, and qemu-user to run ARM64 binaries (see the README);
#   - what the other targets' routes need (src/routes.ts): rust-web-src (binship builds the
#     standard library of macOS, musl and Windows targets from it), MinGW-w64 (the Windows x64
#     stand-in), LLVM's objcopy (macOS), and cargo-zigbuild + zig from PyPI, project-local;
#   - the npm packages (npm ci) and the compiled TypeScript (npm run build);
#   - the pinned rehearsal tools (Verdaccio and the package managers) in .cache/rehearsal-tools;
#   - the workflow linters the tests run (actionlint, zizmor, shellcheck), project-local;
#   - nektos/act, patched, which runs the generated workflow in the tests (npm run test:workflow).
# Packages already present are not reinstalled, so re-running it is fast.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

apt_packages=(rustc-web cargo-web libstd-rust-web-dev:arm64 gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
  rust-web-src gcc-mingw-w64-x86-64 llvm python3-venv)
# Running what is built for other targets: Windows x64 under Wine (MinGW compiles the
# ProcessPrng DLL Wine 8 lacks, see wine/), and musl's loader for the Alpine-like test root.
apt_packages+=(wine64 gcc-mingw-w64-x86-64-win32 musl)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo dpkg --add-architecture arm64
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

npm ci --no-audit --no-fund --loglevel=error

# The current Node release (from the npm registry), to test binship and the launcher on it
# too: the machine's Node is 20; users run whatever is current (process.execve needs >= 22.15).
node_current_version=26
node_current="$PWD/.cache/node-current"
if ! "$node_current/bin/node" --version 2>/dev/null | grep -q "^v$node_current_version\."; then
  case "$(uname -m)" in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; *) arch="$(uname -m)" ;; esac
  npm install --prefix "$node_current" --no-save --no-audit --no-fund --loglevel=error "node-linux-$arch@$node_current_version"
  mkdir -p "$node_current/bin"
  ln -sf "../node_modules/node-linux-$arch/bin/node" "$node_current/bin/node"
fi
npm run build --silent
BINSHIP_TOOLS_DIR="$PWD/.cache/rehearsal-tools" node scripts/fetch-rehearsal-tools.js
bash scripts/install-zigbuild.sh
bash scripts/install-workflow-linters.sh
bash scripts/install-act.sh
