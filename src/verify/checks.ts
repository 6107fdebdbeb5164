// The static checks of one collected binary: what it is (format, CPU, libc, glibc floor; for
// macOS the minimum OS version and the code signature), its mode and its size, against the
// target it is filed under. Each failed check is one message that names the file and says how
// to fix it.

import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { type BinaryInfo, compareGlibc, type InspectError, type MachOInfo } from '../inspect/index.js';
import type { Target } from '../targets.js';
import { formatBytes } from '../ui/table.js';

export interface StaticLimits {
  maxSizeBytes: number;
  glibcFloor: string;
  /** Oldest macOS the binaries must start on; never below the oldest Rust supports for the target (src/targets.ts). */
  macosFloor: string;
}

/** "ELF arm64 glibc", "Mach-O universal (x64, arm64)", "PE x64 console": what was found. */
export function describeBinary(info: BinaryInfo): string {
  const format = { elf: 'ELF', macho: 'Mach-O', pe: 'PE' }[info.format];
  if (info.slices && info.slices.length > 1) return `${format} universal (${info.slices.map((s) => s.cpu).join(', ')})`;
  const extra = info.elf ? ` ${info.elf.libc}` : info.pe ? ` ${info.pe.subsystem}` : info.macho ? describeMacOs(info.macho) : '';
  return `${format} ${info.cpu}${extra}`;
}

/** " macOS 11.0+, signed (ad hoc)": the minimum OS and the signature, as the report shows them. */
function describeMacOs(macho: MachOInfo): string {
  const minOs = macho.minOs ? ` macOS ${macho.minOs}+` : '';
  const signature = macho.signature
    ? `signed (${macho.signature.kind === 'adhoc' ? 'ad hoc' : 'certificate'}${macho.signature.pagesMatch === false ? ', BROKEN' : ''})`
    : 'unsigned';
  return `${minOs}, ${signature}`;
}

const FORMAT_WITH_ARTICLE = { elf: 'an ELF', macho: 'a Mach-O', pe: 'a PE' } as const;

/** Problems with what the binary is, compared with the target whose package it will ship in. */
export function checkIdentity(file: string, info: BinaryInfo, target: Target, limits: StaticLimits): string[] {
  const rebuild = `it was built for another target; rebuild with binship build --target ${target.platform} and collect again`;
  if (info.format !== target.format) {
    return [
      `${file}: is ${FORMAT_WITH_ARTICLE[info.format]} binary (${describeBinary(info)}) but ${target.platform} needs ${FORMAT_WITH_ARTICLE[target.format]} binary; ${rebuild}`,
    ];
  }
  const cpus = info.slices ? info.slices.map((s) => s.cpu) : [info.cpu];
  if (!cpus.includes(target.cpu)) {
    return [`${file}: is ${describeBinary(info)} but ${target.platform} needs ${target.cpu}; ${rebuild}`];
  }
  const layout = checkLayout(file, info, target);
  if (layout) return [`${layout}; ${rebuild}`];
  const platform = info.macho?.platform;
  if (target.os === 'darwin' && platform !== undefined && platform !== 'macos') {
    return [`${file}: is a Mach-O for ${platform}, not macOS (its LC_BUILD_VERSION or LC_VERSION_MIN_* says so); ${rebuild}`];
  }
  const problems: string[] = [];
  const kind = info.pe?.dll
    ? 'a DLL'
    : info.macho && info.macho.fileType !== 'execute'
      ? `a Mach-O ${info.macho.fileType}`
      : info.elf && !['exec', 'dyn'].includes(info.elf.type)
        ? `an ELF ${info.elf.type} file`
        : undefined;
  if (kind) problems.push(`${file}: is ${kind}, not an executable program; check the binary name in binship.toml`);
  if (info.pe && info.pe.subsystem !== 'console') {
    problems.push(
      `${file}: is a Windows ${info.pe.subsystem} program, not a console program; a command-line tool must use the console subsystem (remove #![windows_subsystem = "windows"])`,
    );
  }
  if (info.elf && target.libc) problems.push(...checkLibc(file, info.elf, target, limits.glibcFloor));
  const macho = info.slices?.find((s) => s.cpu === target.cpu)?.macho ?? info.macho;
  if (macho && target.os === 'darwin') problems.push(...checkMacOs(file, macho, target, limits.macosFloor));
  return problems;
}

/**
 * What macOS checks when it starts the binary, for the slice of the target's CPU: the minimum
 * version it asks for (LC_BUILD_VERSION or LC_VERSION_MIN_MACOSX) must not exceed the floor, and
 * its code signature, which arm64 requires (ad hoc is enough), must still match its pages.
 */
function checkMacOs(file: string, macho: MachOInfo, target: Target, configuredFloor: string): string[] {
  const problems: string[] = [];
  const oldest = target.macosDeploymentTarget ?? configuredFloor;
  const floor = compareVersions(configuredFloor, oldest) < 0 ? oldest : configuredFloor;
  if (!macho.minOs) {
    problems.push(
      `${file}: records no minimum macOS version (no LC_BUILD_VERSION or LC_VERSION_MIN_MACOSX), so which macOS it runs on is unknown; link it with Apple's ld or cargo zigbuild and MACOSX_DEPLOYMENT_TARGET=${floor}`,
    );
  } else if (compareVersions(macho.minOs, floor) > 0) {
    problems.push(
      `${file}: requires macOS ${macho.minOs} but the floor is ${floor}, so it will not start on older macOS; build with MACOSX_DEPLOYMENT_TARGET=${floor} or raise [verify] macos_floor in binship.toml`,
    );
  }
  if (!macho.signature && target.cpu === 'arm64') {
    problems.push(
      `${file}: has no code signature, and macOS on Apple Silicon kills unsigned arm64 programs ("Killed: 9"); link with Apple's ld or cargo zigbuild (both sign ad hoc) or run codesign -s - on it`,
    );
  } else if (macho.signature?.pagesMatch === false) {
    problems.push(
      `${file}: its code signature no longer matches its contents (changed after signing, e.g. stripped), so macOS kills it on start; sign it after the last change (codesign -f -s -) or strip before signing`,
    );
  }
  return problems;
}

/** Dotted versions such as "10.12", "11.0", "13.3.1". */
function compareVersions(a: string, b: string): number {
  return semver.compare(semver.coerce(a) ?? '0.0.0', semver.coerce(b) ?? '0.0.0');
}

/**
 * Every target binship ships (src/targets.ts) is 64-bit little-endian. The CPU number alone
 * does not say so: x32 is EM_X86_64 in a 32-bit ELF, and aarch64 exists big-endian.
 */
function checkLayout(file: string, info: BinaryInfo, target: Target): string | undefined {
  const bits = info.slices ? info.slices.find((s) => s.cpu === target.cpu)?.bits : info.bits;
  if (bits === 64 && info.endian !== 'big') return undefined;
  const layout = `${bits}-bit${info.endian ? ` ${info.endian}-endian` : ''}`;
  return `${file}: is a ${layout} ${describeBinary(info)} but ${target.platform} needs a 64-bit little-endian binary`;
}

/**
 * The problem with a file the inspector could not parse. An ELF file whose identification
 * bytes already say 32-bit or big-endian is reported as that (its 64-bit little-endian
 * fields cannot be read), not as a damaged file.
 */
export function describeUnreadable(file: string, target: Target, error: InspectError, reason: string): string {
  const layout = error.layout;
  if (layout && (layout.bits !== 64 || layout.endian !== 'little')) {
    return `${file}: is a ${layout.bits}-bit ${layout.endian}-endian ELF file but ${target.platform} needs a 64-bit little-endian binary (${reason}); it was built for another target, rebuild with binship build --target ${target.platform} and collect again`;
  }
  return `${file}: cannot be read as ${FORMAT_WITH_ARTICLE[target.format]} executable (${reason}); the file is damaged or not a binary, rebuild and collect again`;
}

function checkLibc(file: string, elf: NonNullable<BinaryInfo['elf']>, target: Target, glibcFloor: string): string[] {
  if (target.libc === 'musl' && elf.libc === 'glibc') {
    return [
      `${file}: links glibc (${elf.interpreter}) but ${target.platform} is a musl target and will not run on Alpine; build with --target ${target.triple}`,
    ];
  }
  if (target.libc === 'glibc' && elf.libc === 'musl') {
    return [`${file}: links musl (${elf.interpreter}) but ${target.platform} is a glibc target; build with --target ${target.triple}`];
  }
  if (target.libc === 'glibc' && elf.glibcVersion && compareGlibc(elf.glibcVersion, glibcFloor) > 0) {
    return [
      `${file}: requires GLIBC_${elf.glibcVersion} but the floor is ${glibcFloor}, so it fails with "GLIBC_${elf.glibcVersion} not found" on older systems; build on an older runner (see src/targets.ts) or raise [verify] glibc_floor in binship.toml`,
    ];
  }
  return [];
}

export function checkExecutable(file: string, target: Target): string[] {
  // Windows has no exec bit, and a Windows host cannot tell; everything else must carry 0755.
  if (target.os === 'win32' || process.platform === 'win32') return [];
  const mode = statSync(file).mode & 0o777;
  return (mode & 0o111) === 0o111
    ? []
    : [`${file}: mode ${mode.toString(8).padStart(4, '0')} is not executable; run binship collect again (it sets 0755) or chmod 755 the file`];
}

export function checkSize(file: string, size: number, limits: StaticLimits): string[] {
  return size <= limits.maxSizeBytes
    ? []
    : [
        `${file}: ${formatBytes(size)} exceeds the size budget of ${formatBytes(limits.maxSizeBytes)}; shrink it (release profile: lto, strip, opt-level) or raise [verify] max_size in binship.toml`,
      ];
}

/** A directory binship build remaps, and the prefix it is remapped to (src/build.ts remapPathArgs). */
export interface BuildPath {
  path: string;
  remappedTo: string;
}

/**
 * A binary that still names the directories it was built in leaks them to users and cannot be
 * rebuilt byte for byte elsewhere. binship build remaps them; this catches what slipped past
 * (e.g. a binary built by plain `cargo build`, or with RUSTFLAGS that replaced binship's).
 * Only meaningful on the machine that built the binary, where these paths are the build paths.
 */
export function checkNoBuildPaths(file: string, fullPath: string, buildPaths: BuildPath[]): string[] {
  const bytes = readFileSync(fullPath);
  const checkable = buildPaths.map((p) => path.resolve(p.path)).filter((p) => p !== path.parse(p).root && !isRemapTarget(p, buildPaths));
  // A path names a directory only when a separator follows: /work/app must not match /work/application.
  const found = checkable.filter((p) => bytes.includes(`${p}/`) || bytes.includes(`${p}\\`));
  return found.length === 0
    ? []
    : [`${file}: contains the build path ${found.join(' and ')}; build it with binship build, which remaps them with --remap-path-prefix`];
}

/**
 * A build directory that is itself a remap target (a workspace at /build, CARGO_HOME=/cargo)
 * cannot be told apart from the remapped paths every good binary contains, so it is not checked.
 */
function isRemapTarget(dir: string, buildPaths: BuildPath[]): boolean {
  return buildPaths.some((p) => p.remappedTo === dir);
}
