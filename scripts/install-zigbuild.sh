#!/usr/bin/env bash
# Installs cargo-zigbuild and zig (PyPI: cargo-zigbuild, ziglang) at the versions binship pins in
# src/routes.ts (read from the compiled lib/routes.js: run `npm run build` first) into a
# virtualenv at .cache/tools/zigbuild-venv, linked into .cache/tools/bin (gitignored,
# project-local; nothing global is touched). binship's zigbuild route (macOS, musl, Windows
# arm64, a glibc floor below the runner's) finds them on PATH: the tests and
# `npm run release:local` put .cache/tools/bin there.
# Idempotent: packages already at the pinned versions are left alone.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.cache/tools"
venv="$tools/zigbuild-venv"
bin="$tools/bin"

mapfile -t packages < <(node --input-type=module -e '
  const { pathToFileURL } = await import("node:url");
  const { ZIGBUILD_PIP_PACKAGES } = await import(pathToFileURL(process.argv[1]).href);
  console.log(ZIGBUILD_PIP_PACKAGES.join("\n"));
' "$root/lib/routes.js")

python="$(command -v python3 || true)"
if [ -z "$python" ]; then
  echo "install-zigbuild: python3 is not on PATH; install Python 3.9+ (apt-get install -y python3-venv) and rerun" >&2
  exit 1
fi
frozen="$("$venv/bin/python" -m pip freeze --disable-pip-version-check 2>/dev/null || true)"
missing=()
for package in "${packages[@]}"; do
  grep -qixF "$package" <<<"$frozen" || missing+=("$package")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "${packages[*]} already installed"
else
  [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${packages[@]}"
fi

mkdir -p "$bin"
ln -sf ../zigbuild-venv/bin/cargo-zigbuild "$bin/cargo-zigbuild"
# The ziglang wheel holds zig itself (zig finds its library from its real path); the link is
# relative, so it holds wherever .cache is.
ln -sf "$("$venv/bin/python" -c 'import os, sys, ziglang; print(os.path.relpath(os.path.join(os.path.dirname(ziglang.__file__), "zig"), sys.argv[1]))' "$bin")" "$bin/zig"
echo "zigbuild tools in $bin: $("$bin/cargo-zigbuild" --version), zig $("$bin/zig" version)"
