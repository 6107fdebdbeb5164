// The target table: the one place that maps a Rust target triple to everything else binship
// needs to know about it (npm platform name and os/cpu/libc fields, file suffix, the binary
// format and CPU a correct build has, the GitHub-hosted runner that builds it natively, and
// how a Linux machine builds it instead: its routes, best first, and for targets no Linux tool
// can link with a clear licence, the sibling triple built as a stand-in). Every other module
// reads it; src/routes.ts says what each route needs, src/host.ts which one this machine has.

import { UsageError } from './errors.js';
import type { RouteKind } from './routes.js';

/** npm `os` values, which are Node's `process.platform` names. */
type NpmOs = 'darwin' | 'linux' | 'win32';
/** npm `cpu` values, which are Node's `process.arch` names. */
type NpmCpu = 'x64' | 'arm64';
export type Libc = 'glibc' | 'musl';
type BinaryFormat = 'elf' | 'macho' | 'pe';

export interface Target {
  /** Rust target triple, e.g. `aarch64-unknown-linux-gnu`. */
  triple: string;
  /** Platform key used in directory and npm package names, e.g. `linux-arm64`. */
  platform: string;
  os: NpmOs;
  cpu: NpmCpu;
  /** Set for Linux targets only (npm's `libc` field). */
  libc?: Libc;
  /** `.exe` on Windows, empty elsewhere. */
  exeSuffix: '' | '.exe';
  /** The format every binary for this target must have. */
  format: BinaryFormat;
  /** GitHub-hosted runner label that builds (and can run) this target natively. */
  runner: string;
  /** Debian/Ubuntu packages the CI runner needs before building (e.g. the musl toolchain). */
  runnerAptPackages: string[];
  /** How a Debian/Ubuntu host of another architecture cross-builds and runs this target. */
  linuxCross?: {
    /** GNU tool prefix; the linker is `${gnuPrefix}-gcc`, the qemu sysroot `/usr/${gnuPrefix}`. */
    gnuPrefix: string;
    /** Debian architecture name, for multiarch packages such as `libstd-rust-web-dev:arm64`. */
    debianArch: string;
    /** qemu user-mode emulator that runs the binary. */
    qemu: string;
  };
  /**
   * How a Linux machine builds this target (or its stand-in), best first; the first route whose
   * tools are here is used (src/routes.ts). A machine of the target's own OS builds it natively.
   */
  linuxRoutes: RouteKind[];
  /**
   * The triple a Linux machine builds when the target itself cannot be linked there (the MSVC
   * targets need Microsoft's libraries). A stand-in has the same OS, CPU and file format, so it
   * is built, labelled and run here as a check, and never packed or published.
   */
  standIn?: string;
  /**
   * macOS only: the oldest macOS Rust supports for the triple (11.0: the first for Apple Silicon),
   * which builds declare (MACOSX_DEPLOYMENT_TARGET) and below which verify's floor never goes.
   */
  macosDeploymentTarget?: string;
}

/**
 * The newest glibc symbol version a plain build of a glibc target needs when built on its
 * runner (ubuntu-22.04, glibc 2.35, links against 2.34 symbols): binship's default floor. A
 * lower `[verify] glibc_floor` builds the glibc targets against that older glibc (src/routes.ts).
 */
export const RUNNER_GLIBC_FLOOR = '2.34';

export const TARGETS: readonly Target[] = [
  {
    triple: 'x86_64-apple-darwin',
    platform: 'darwin-x64',
    os: 'darwin',
    cpu: 'x64',
    exeSuffix: '',
    format: 'macho',
    runner: 'macos-15-intel',
    runnerAptPackages: [],
    linuxRoutes: ['zigbuild'],
    macosDeploymentTarget: '10.12',
  },
  {
    triple: 'aarch64-apple-darwin',
    platform: 'darwin-arm64',
    os: 'darwin',
    cpu: 'arm64',
    exeSuffix: '',
    format: 'macho',
    runner: 'macos-15',
    runnerAptPackages: [],
    linuxRoutes: ['zigbuild'],
    macosDeploymentTarget: '11.0',
  },
  {
    triple: 'x86_64-unknown-linux-gnu',
    platform: 'linux-x64',
    os: 'linux',
    cpu: 'x64',
    libc: 'glibc',
    exeSuffix: '',
    format: 'elf',
    runner: 'ubuntu-22.04',
    runnerAptPackages: [],
    linuxCross: { gnuPrefix: 'x86_64-linux-gnu', debianArch: 'amd64', qemu: 'qemu-x86_64' },
    linuxRoutes: ['cargo'],
  },
  {
    triple: 'aarch64-unknown-linux-gnu',
    platform: 'linux-arm64',
    os: 'linux',
    cpu: 'arm64',
    libc: 'glibc',
    exeSuffix: '',
    format: 'elf',
    runner: 'ubuntu-22.04-arm',
    runnerAptPackages: [],
    linuxCross: { gnuPrefix: 'aarch64-linux-gnu', debianArch: 'arm64', qemu: 'qemu-aarch64' },
    linuxRoutes: ['cargo'],
  },
  {
    triple: 'x86_64-unknown-linux-musl',
    platform: 'linux-x64-musl',
    os: 'linux',
    cpu: 'x64',
    libc: 'musl',
    exeSuffix: '',
    format: 'elf',
    runner: 'ubuntu-22.04',
    runnerAptPackages: ['musl-tools'],
    linuxCross: { gnuPrefix: 'x86_64-linux-gnu', debianArch: 'amd64', qemu: 'qemu-x86_64' },
    linuxRoutes: ['cargo', 'zigbuild'],
  },
  {
    triple: 'aarch64-unknown-linux-musl',
    platform: 'linux-arm64-musl',
    os: 'linux',
    cpu: 'arm64',
    libc: 'musl',
    exeSuffix: '',
    format: 'elf',
    runner: 'ubuntu-22.04-arm',
    runnerAptPackages: ['musl-tools'],
    linuxCross: { gnuPrefix: 'aarch64-linux-gnu', debianArch: 'arm64', qemu: 'qemu-aarch64' },
    linuxRoutes: ['cargo', 'zigbuild'],
  },
  {
    triple: 'x86_64-pc-windows-msvc',
    platform: 'windows-x64',
    os: 'win32',
    cpu: 'x64',
    exeSuffix: '.exe',
    format: 'pe',
    runner: 'windows-2022',
    runnerAptPackages: [],
    linuxRoutes: ['mingw'],
    standIn: 'x86_64-pc-windows-gnu',
  },
  {
    triple: 'aarch64-pc-windows-msvc',
    platform: 'windows-arm64',
    os: 'win32',
    cpu: 'arm64',
    exeSuffix: '.exe',
    format: 'pe',
    runner: 'windows-11-arm',
    runnerAptPackages: [],
    linuxRoutes: ['zigbuild'],
    standIn: 'aarch64-pc-windows-gnullvm',
  },
];

const byTriple = new Map(TARGETS.map((t) => [t.triple, t]));
const byPlatform = new Map(TARGETS.map((t) => [t.platform, t]));

/** The list printed in errors, so a typo is answered with the valid choices. */
function describeTargets(): string {
  return TARGETS.map((t) => `${t.platform} (${t.triple})`).join(', ');
}

/** Finds a target by triple or platform key, or throws a usage error naming the valid ones. */
export function resolveTarget(nameOrTriple: string): Target {
  const target = byTriple.get(nameOrTriple) ?? byPlatform.get(nameOrTriple);
  if (!target) {
    throw new UsageError(`unknown target "${nameOrTriple}": use one of ${describeTargets()}`);
  }
  return target;
}

export function findTarget(nameOrTriple: string): Target | undefined {
  return byTriple.get(nameOrTriple) ?? byPlatform.get(nameOrTriple);
}

/** The target a Node process with these `process.platform`/`process.arch`/libc values runs. */
export function targetForNode(platform: string, arch: string, libc?: Libc): Target | undefined {
  return TARGETS.find((t) => t.os === platform && t.cpu === arch && (t.os !== 'linux' || t.libc === (libc ?? 'glibc')));
}

/** File name of a binary for a target: `widget` or `widget.exe`. */
export function binaryFileName(binary: string, target: Target): string {
  return `${binary}${target.exeSuffix}`;
}

/** Cargo's per-target environment variable prefix, e.g. `CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU`. */
export function cargoTargetEnvPrefix(target: Pick<Target, 'triple'> | string): string {
  const triple = typeof target === 'string' ? target : target.triple;
  return `CARGO_TARGET_${triple.toUpperCase().replace(/[-.]/g, '_')}`;
}
