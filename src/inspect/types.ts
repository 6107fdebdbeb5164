/**
 * CPU names follow Node's `process.arch` so a result can be compared directly
 * with the `cpu` field of an npm package. CPUs Node has no name for are
 * reported as `unknown(0x…)` with the format's raw machine number.
 */
type Cpu = 'x64' | 'arm64' | 'ia32' | 'arm' | 'riscv64' | 'ppc64' | 's390x' | 'loong64' | 'mips' | (string & {});

export type Bits = 32 | 64;

export type ElfLibc = 'glibc' | 'musl' | 'static' | 'unknown';

export interface ElfInfo {
  type: 'exec' | 'dyn' | 'rel' | 'core' | (string & {});
  /** PT_INTERP, e.g. /lib64/ld-linux-x86-64.so.2 or /lib/ld-musl-x86_64.so.1. */
  interpreter: string | null;
  libc: ElfLibc;
  /** Highest GLIBC_x.y[.z] in the version needs (GLIBC_PRIVATE ignored), e.g. "2.34". */
  glibcVersion: string | null;
  /** DT_NEEDED, in file order. */
  needed: string[];
}

export interface PeInfo {
  /** IMAGE_FILE_HEADER.Machine, e.g. 0x8664. */
  machine: number;
  subsystem: 'console' | 'gui' | (string & {});
  /** IMAGE_FILE_DLL is set: a library, not something you can run. */
  dll: boolean;
}

export interface MachOInfo {
  fileType: 'execute' | 'dylib' | 'bundle' | (string & {});
  /** e.g. "11.0", from LC_BUILD_VERSION or LC_VERSION_MIN_*; absent if the binary has neither. */
  minOs?: string;
  /** Platform the minimum OS refers to: 'macos', 'ios', … (same source as minOs). */
  platform?: string;
  /** The embedded code signature (LC_CODE_SIGNATURE); absent if the file is unsigned. */
  signature?: MachOSignature;
}

export interface MachOSignature {
  /**
   * 'adhoc': no signing identity, as the linker (or `codesign -s -`) writes it, which is enough
   * for arm64 macOS to run it; 'certificate': signed with an identity (a CMS signature blob).
   */
  kind: 'adhoc' | 'certificate';
  /** The ad hoc signature Apple's ld (and zig) add by themselves (CS_LINKER_SIGNED). */
  linkerSigned: boolean;
  /** The code directory's identifier, e.g. the binary's name. */
  identifier: string;
  /**
   * Every code page still hashes to what the code directory records. False after the file was
   * changed once signed (strip, install_name_tool, a patch): macOS kills such a binary on start.
   * Only set when inspected with `hashPages` (it reads the whole image).
   */
  pagesMatch?: boolean;
}

export interface InspectOptions {
  /** Hash every code page of a signed Mach-O to check its signature (reads the whole file). */
  hashPages?: boolean;
}

export interface BinaryInfo {
  format: 'elf' | 'macho' | 'pe';
  /** For fat Mach-O: the cpu of the first slice; see `slices`. */
  cpu: Cpu;
  bits: Bits;
  /**
   * Byte order. Needed to tell e.g. ppc64 from ppc64le, which share a CPU
   * name in Node. For fat Mach-O: the first slice's.
   */
  endian?: 'little' | 'big';
  /** Fat (universal) Mach-O only, in file order, each with its own Mach-O details. */
  slices?: { cpu: Cpu; bits: Bits; macho: MachOInfo }[];
  elf?: ElfInfo;
  pe?: PeInfo;
  /** For fat Mach-O: the first slice's. */
  macho?: MachOInfo;
}

/** Hex form used in messages and in `unknown(0x…)` names. */
export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

export function unknownCpu(machine: number): string {
  return `unknown(${hex(machine)})`;
}
