/**
 * Mach-O: thin 32/64-bit files in either byte order, and fat (universal)
 * files with 32-bit (0xcafebabe) or 64-bit (0xcafebabf) architecture tables.
 * Each fat slice is parsed as a thin file in its own bounded window, with its
 * minimum OS version and its embedded code signature (see codesign.ts).
 */
import { readCodeSignature } from './codesign.js';
import { InspectError } from './errors.js';
import { type ByteSource, readStruct, StructView, subSource } from './reader.js';
import { type BinaryInfo, type Bits, hex, type InspectOptions, type MachOInfo, unknownCpu } from './types.js';

/** Fat headers are always big-endian. */
const FAT_MAGIC = 0xcafebabe;
const FAT_MAGIC_64 = 0xcafebabf;
/** Thin magics as the first four bytes read big-endian: native BE, then byte-swapped (LE) files. */
const THIN_MAGICS: Record<number, { le: boolean; is64: boolean }> = {
  0xfeedface: { le: false, is64: false },
  0xfeedfacf: { le: false, is64: true },
  0xcefaedfe: { le: true, is64: false },
  0xcffaedfe: { le: true, is64: true },
};

export function isMachOMagic(firstWordBE: number): boolean {
  return firstWordBE === FAT_MAGIC || firstWordBE === FAT_MAGIC_64 || firstWordBE in THIN_MAGICS;
}

/**
 * Real universal binaries have a handful of slices. Java class files share
 * 0xcafebabe and put their version where nfat_arch would be (>= 45), so the
 * cap also stops us from reading a class file as a fat binary.
 */
const MAX_FAT_ARCHES = 32;

/** Real executables have tens of load commands; like the ELF caps, this makes a corrupt count fail fast. */
const MAX_LOAD_COMMANDS = 65536;

const LC_SEGMENT = 0x1;
const LC_SEGMENT_64 = 0x19;
const LC_VERSION_MIN_MACOSX = 0x24;
const LC_VERSION_MIN_IPHONEOS = 0x25;
const LC_VERSION_MIN_TVOS = 0x2f;
const LC_VERSION_MIN_WATCHOS = 0x30;
const LC_BUILD_VERSION = 0x32;
const LC_CODE_SIGNATURE = 0x1d;

const VERSION_MIN_PLATFORM: Record<number, string> = {
  [LC_VERSION_MIN_MACOSX]: 'macos',
  [LC_VERSION_MIN_IPHONEOS]: 'ios',
  [LC_VERSION_MIN_TVOS]: 'tvos',
  [LC_VERSION_MIN_WATCHOS]: 'watchos',
};

const BUILD_PLATFORM: Record<number, string> = {
  1: 'macos',
  2: 'ios',
  3: 'tvos',
  4: 'watchos',
  5: 'bridgeos',
  6: 'maccatalyst',
  7: 'ios-simulator',
  8: 'tvos-simulator',
  9: 'watchos-simulator',
  10: 'driverkit',
  11: 'visionos',
  12: 'visionos-simulator',
};

const FILE_TYPES: Record<number, string> = {
  1: 'object',
  2: 'execute',
  3: 'fvmlib',
  4: 'core',
  5: 'preload',
  6: 'dylib',
  7: 'dylinker',
  8: 'bundle',
  9: 'dylib_stub',
  10: 'dsym',
  11: 'kext_bundle',
  12: 'fileset',
};

const CPU_ARCH_ABI64 = 0x01000000;
const CPU_ARCH_ABI64_32 = 0x02000000;

function machoCpu(cputype: number): string {
  switch (cputype) {
    case 7:
      return 'ia32';
    case 7 | CPU_ARCH_ABI64:
      return 'x64';
    case 12:
      return 'arm';
    case 12 | CPU_ARCH_ABI64: // also arm64e, which differs only in cpusubtype
      return 'arm64';
    case 12 | CPU_ARCH_ABI64_32:
      return 'arm64_32';
    case 18:
      return 'ppc';
    case 18 | CPU_ARCH_ABI64:
      return 'ppc64';
    default:
      return unknownCpu(cputype);
  }
}

/** Mach-O packs versions as xxxx.yy.zz in one u32. */
function packedVersion(v: number): string {
  const major = v >>> 16;
  const minor = (v >>> 8) & 0xff;
  const patch = v & 0xff;
  return patch === 0 ? `${major}.${minor}` : `${major}.${minor}.${patch}`;
}

interface Thin {
  cputype: number;
  cpu: string;
  bits: Bits;
  le: boolean;
  info: MachOInfo;
}

function parseThin(src: ByteSource, what: string, options: InspectOptions): Thin {
  const magic = readStruct(src, 0, 4, false, `${what} magic`).u32(0);
  const kind = THIN_MAGICS[magic];
  if (!kind) throw new InspectError(`${what}: not a Mach-O header (magic ${hex(magic)})`);
  const { le, is64 } = kind;
  const headerSize = is64 ? 32 : 28;
  const h = readStruct(src, 0, headerSize, le, `${what} header`);
  const cputype = h.u32(4);
  const fileType = h.u32(12);
  const ncmds = h.u32(16);
  const sizeofcmds = h.u32(20);
  if (ncmds > MAX_LOAD_COMMANDS) {
    throw new InspectError(`${what}: header claims ${ncmds} load commands (limit ${MAX_LOAD_COMMANDS}); corrupt`);
  }
  // Every load command is at least 8 bytes, so this bounds the loop below.
  if (ncmds > sizeofcmds / 8) {
    throw new InspectError(`${what}: header claims ${ncmds} load commands in ${sizeofcmds} bytes; corrupt`);
  }
  const cmds = src.read(headerSize, sizeofcmds, `${what} load commands`);
  const info: MachOInfo = { fileType: FILE_TYPES[fileType] ?? `unknown(${hex(fileType)})` };
  let signature: { offset: number; size: number } | undefined;

  let off = 0;
  for (let i = 0; i < ncmds; i++) {
    const cmdWhat = `${what} load command ${i}`;
    if (off + 8 > sizeofcmds) throw new InspectError(`${cmdWhat} starts past the end of the load commands`);
    const head = new StructView(cmds.subarray(off, off + 8), le, cmdWhat);
    const cmd = head.u32(0);
    const cmdsize = head.u32(4);
    // A size below 8 would never advance (or go backwards): refuse rather than loop.
    if (cmdsize < 8 || cmdsize % 4 !== 0 || off + cmdsize > sizeofcmds) {
      throw new InspectError(`${cmdWhat} (${hex(cmd)}) has invalid size ${cmdsize}`);
    }
    const body = new StructView(cmds.subarray(off, off + cmdsize), le, `${cmdWhat} (${hex(cmd)})`);
    if (cmd === LC_SEGMENT || cmd === LC_SEGMENT_64) {
      // Segment contents must be in the file: catches a slice cut short.
      const wide = cmd === LC_SEGMENT_64;
      const fileoff = body.word(wide ? 40 : 32, wide);
      const filesize = body.word(wide ? 48 : 36, wide);
      if (fileoff + filesize > src.size) {
        throw new InspectError(
          `${cmdWhat}: segment data (bytes ${fileoff}..${fileoff + filesize}) lies past the end of the ${src.size}-byte image; truncated?`,
        );
      }
    } else if (cmd === LC_BUILD_VERSION && info.minOs === undefined) {
      const platform = body.u32(8);
      info.platform = BUILD_PLATFORM[platform] ?? `unknown(${platform})`;
      info.minOs = packedVersion(body.u32(12));
    } else if (cmd in VERSION_MIN_PLATFORM && info.minOs === undefined) {
      info.platform = VERSION_MIN_PLATFORM[cmd];
      info.minOs = packedVersion(body.u32(8));
    } else if (cmd === LC_CODE_SIGNATURE) {
      signature = { offset: body.u32(8), size: body.u32(12) };
    }
    off += cmdsize;
  }
  // Read after the loop: the signature covers the load commands too, so they must all be valid first.
  if (signature) info.signature = readCodeSignature(src, signature.offset, signature.size, what, options.hashPages === true);
  return { cputype, cpu: machoCpu(cputype), bits: is64 ? 64 : 32, le, info };
}

function parseFat(src: ByteSource, is64: boolean, options: InspectOptions): BinaryInfo {
  const count = readStruct(src, 0, 8, false, 'fat Mach-O header').u32(4);
  if (count === 0) throw new InspectError('fat Mach-O header lists no architectures');
  if (count > MAX_FAT_ARCHES) {
    throw new InspectError(`fat Mach-O header claims ${count} architectures (limit ${MAX_FAT_ARCHES}); corrupt, or a Java class file (same 0xcafebabe magic)`);
  }
  const entrySize = is64 ? 32 : 20;
  const table = readStruct(src, 8, count * entrySize, false, 'fat Mach-O architecture table');
  const slices: Thin[] = [];
  for (let i = 0; i < count; i++) {
    const e = i * entrySize;
    const cputype = table.u32(e);
    const offset = table.word(e + 8, is64);
    const size = table.word(e + (is64 ? 16 : 12), is64);
    const what = `fat Mach-O slice ${i} (${machoCpu(cputype)})`;
    const thin = parseThin(subSource(src, offset, size, what), what, options);
    if (thin.cputype !== cputype) {
      throw new InspectError(`${what}: the fat table says cputype ${hex(cputype)} but the slice header says ${hex(thin.cputype)}`);
    }
    slices.push(thin);
  }
  const first = slices[0]!;
  return {
    format: 'macho',
    cpu: first.cpu,
    bits: first.bits,
    endian: first.le ? 'little' : 'big',
    slices: slices.map((s) => ({ cpu: s.cpu, bits: s.bits, macho: s.info })),
    macho: first.info,
  };
}

export function parseMachO(src: ByteSource, options: InspectOptions = {}): BinaryInfo {
  const magic = readStruct(src, 0, 4, false, 'Mach-O magic').u32(0);
  if (magic === FAT_MAGIC || magic === FAT_MAGIC_64) return parseFat(src, magic === FAT_MAGIC_64, options);
  const thin = parseThin(src, 'Mach-O', options);
  return {
    format: 'macho',
    cpu: thin.cpu,
    bits: thin.bits,
    endian: thin.le ? 'little' : 'big',
    macho: thin.info,
  };
}
