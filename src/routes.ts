// How binship builds a target on a Linux machine that is not the target's own runner. Routes:
//   cargo     `cargo build --target T`: the host's own target, a Linux target of the other CPU
//             with the GNU cross linker, a musl target whose std (with rustc's own musl crt
//             objects) the toolchain has installed
//   mingw     cargo with Debian's MinGW-w64 linker: x86_64-pc-windows-gnu, the stand-in for
//             x86_64-pc-windows-msvc
//   zigbuild  `cargo zigbuild` (PyPI: cargo-zigbuild + ziglang): zig links macOS, musl, Windows
//             gnullvm, and Linux gnu against an older glibc than this machine's
// Every route takes the standard library the toolchain has installed for the triple (native,
// rustup's, or a distribution's multiarch package) or else one binship builds once from the
// toolchain's rust-src (src/sysroot.ts). src/targets.ts lists each target's routes, best first;
// src/host.ts decides which one this machine has.

import { compareGlibc } from './inspect/glibc.js';
import { RUNNER_GLIBC_FLOOR, type Target } from './targets.js';

export type RouteKind = 'cargo' | 'mingw' | 'zigbuild';

/** cargo-zigbuild and zig, pinned: doctor's install command, scripts/setup.sh and the CI workflow use these. */
export const ZIGBUILD_PIP_PACKAGES = ['cargo-zigbuild==0.24.1', 'ziglang==0.17.1'] as const;

/** Where doctor suggests the zigbuild virtualenv (any directory will do, as long as its bin/ is on PATH). */
const ZIGBUILD_VENV = '$HOME/.local/share/cargo-zigbuild';

/** A program a route runs, and the one command that installs it. */
export interface Tool {
  command: string;
  install: string;
}

export const TOOLS = {
  mingwGcc: { command: 'x86_64-w64-mingw32-gcc', install: 'apt-get install -y gcc-mingw-w64-x86-64' },
  // With the virtualenv's bin/ on PATH, its python3 has ziglang, which cargo-zigbuild runs as zig.
  cargoZigbuild: {
    command: 'cargo-zigbuild',
    install: `python3 -m venv ${ZIGBUILD_VENV} && ${ZIGBUILD_VENV}/bin/pip install ${ZIGBUILD_PIP_PACKAGES.join(' ')} && export PATH="${ZIGBUILD_VENV}/bin:$PATH"`,
  },
  // rustc strips macOS binaries with `rust-objcopy`, which only rustup's llvm-tools ship; binship
  // puts LLVM's objcopy under that name on PATH for the build.
  llvmObjcopy: { command: 'llvm-objcopy', install: 'apt-get install -y llvm' },
} satisfies Record<string, Tool>;

/** One way to build a target, before this machine's tools are looked at. */
export interface RouteCandidate {
  kind: RouteKind;
  /** The triple compiled: the target's own, or its stand-in. */
  triple: string;
  /** What cargo (zigbuild) gets as --target: the triple, with a glibc version for a lower floor. */
  cargoTarget: string;
  /**
   * Only with the toolchain's installed std: a musl std binship builds lacks the crt objects and
   * libunwind rustc links musl binaries with (Debian's libunwind needs glibc), zig brings its own.
   */
  needsInstalledStd: boolean;
}

/** The routes a Linux machine may take for `target`, best first. */
export function linuxRoutes(target: Target, glibcFloor: string): RouteCandidate[] {
  const triple = target.standIn ?? target.triple;
  const floor = lowerGlibcFloor(target, glibcFloor);
  if (floor) return [{ kind: 'zigbuild', triple, cargoTarget: `${triple}.${floor}`, needsInstalledStd: false }];
  return target.linuxRoutes.map((kind) => ({ kind, triple, cargoTarget: triple, needsInstalledStd: kind === 'cargo' && target.libc === 'musl' }));
}

/**
 * The glibc version a glibc target must be built against, when the configured floor is below
 * what a plain build gives (RUNNER_GLIBC_FLOOR): zig links against that glibc's symbols.
 */
export function lowerGlibcFloor(target: Target, glibcFloor: string): string | undefined {
  return target.libc === 'glibc' && compareGlibc(glibcFloor, RUNNER_GLIBC_FLOOR) < 0 ? glibcFloor : undefined;
}

/** Rustflags and environment a route adds to the cargo run for `triple`. */
export function routeSettings(kind: RouteKind, target: Target, triple: string): { rustflags: string[]; env: Record<string, string> } {
  const rustflags: string[] = [];
  const env: Record<string, string> = {};
  // No link time in the PE header, so two builds of the same sources are identical.
  if (kind === 'mingw') rustflags.push('-Clink-arg=-Wl,--no-insert-timestamp');
  // zig links its own musl crt objects and libunwind; rustc must not add its own.
  if (kind === 'zigbuild' && triple.endsWith('-musl')) rustflags.push('-Clink-self-contained=no');
  // zig derives a Mach-O's LC_UUID from its contents at link time, debug stabs included, which
  // name rustc's randomly named temporary directory: without them (-S) the UUID, and so the
  // binary, is the same on every build (stripping afterwards keeps the UUID).
  if (kind === 'zigbuild' && target.os === 'darwin') rustflags.push('-Clink-arg=-Wl,-S');
  // Without it a macOS build declares the newest macOS zig knows; on a Mac, rustc's default.
  // The same value everywhere makes a local build and the CI build declare the same minimum.
  if (target.macosDeploymentTarget && !process.env.MACOSX_DEPLOYMENT_TARGET) env.MACOSX_DEPLOYMENT_TARGET = target.macosDeploymentTarget;
  return { rustflags, env };
}

/** Where a route's standard library comes from, as shown to the user. */
export type StdSource = 'native' | 'rustup std' | 'multiarch std' | 'installed std' | 'build-std';

/** "native", "multiarch std + aarch64-linux-gnu-gcc", "zigbuild + build-std", "zigbuild glibc 2.17 + native". */
export function describeRoute(route: { kind: RouteKind; cargoTarget: string; triple: string; std: StdSource; linker?: string }): string {
  const glibc = route.cargoTarget !== route.triple ? ` glibc ${route.cargoTarget.slice(route.triple.length + 1)}` : '';
  const parts = route.kind === 'cargo' ? [route.std] : [`${route.kind}${glibc}`, route.std];
  if (route.kind === 'cargo' && route.linker) parts.push(route.linker);
  return parts.join(' + ');
}
