/**
 * ELF (32/64-bit, either byte order): CPU, type, interpreter, DT_NEEDED, and
 * the highest GLIBC_* version needed.
 *
 * Dynamic information comes from the program headers (PT_INTERP, PT_DYNAMIC,
 * and PT_LOAD to map addresses to file offsets), because that is what the
 * loader uses and it survives `strip`/`sstrip`. Only when there is no
 * PT_DYNAMIC do we take it from section headers (SHT_DYNAMIC,
 * SHT_GNU_verneed). Section headers, when present, are always range-checked:
 * that is how a file cut short is recognised.
 */
import { InspectError } from './errors.js';
import { countsForGlibc, glibcVersionOfNeed, maxGlibc } from './glibc.js';
import { type ByteSource, cString, readStruct, StructView, subSource } from './reader.js';
import { type BinaryInfo, type ElfInfo, type ElfLibc, hex, unknownCpu } from './types.js';

// Caps on counts a header may claim. Real binaries are orders of magnitude
// below them; they make a corrupt count fail fast instead of looping.
const MAX_PROGRAM_HEADERS = 65536;
const MAX_DYNAMIC_ENTRIES = 65536;
const MAX_VERNEED_FILES = 4096;
const MAX_VERNEED_VERSIONS = 65536;
const MAX_NAME_LENGTH = 4096;

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
/** e_phnum value meaning "the real count is in section 0's sh_info". */
const PN_XNUM = 0xffff;

const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_STRSZ = 10;
const DT_VERNEED = 0x6ffffffe;
const DT_VERNEEDNUM = 0x6fffffff;

const SHT_NULL = 0;
const SHT_DYNAMIC = 6;
const SHT_NOBITS = 8;
const SHT_GNU_VERNEED = 0x6ffffffe;

interface Layout {
  is64: boolean;
  le: boolean;
}

interface Segment {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
}

interface Section {
  type: number;
  offset: number;
  size: number;
  link: number;
  info: number;
}

/** A version need: `name` (e.g. GLIBC_2.34) required from library `file`. */
interface VersionNeed {
  file: string;
  name: string;
}

interface DynamicFacts {
  needed: string[];
  versionNeeds: VersionNeed[];
}

export function parseElf(src: ByteSource): BinaryInfo {
  const ident = src.read(0, 16, 'ELF identification');
  const elfClass = ident[4];
  const elfData = ident[5];
  if (elfClass !== 1 && elfClass !== 2) throw new InspectError(`unknown ELF class ${elfClass} (expected 1 or 2)`);
  if (elfData !== 1 && elfData !== 2) throw new InspectError(`unknown ELF byte order ${elfData} (expected 1 or 2)`);
  const L: Layout = { is64: elfClass === 2, le: elfData === 1 };
  try {
    return parseWithLayout(src, L);
  } catch (error) {
    // Keep what the identification bytes said: "a 32-bit big-endian ELF" explains a failure
    // better than "damaged" when the file is simply not for a 64-bit little-endian target.
    if (!(error instanceof InspectError)) throw error;
    throw new InspectError(error.message, { cause: error, layout: { bits: L.is64 ? 64 : 32, endian: L.le ? 'little' : 'big' } });
  }
}

function parseWithLayout(src: ByteSource, L: Layout): BinaryInfo {
  const eh = readStruct(src, 0, L.is64 ? 64 : 52, L.le, 'ELF header');
  const eType = eh.u16(16);
  const machine = eh.u16(18);
  const phoff = eh.word(L.is64 ? 32 : 28, L.is64);
  const shoff = eh.word(L.is64 ? 40 : 32, L.is64);
  const phentsize = eh.u16(L.is64 ? 54 : 42);
  let phnum = eh.u16(L.is64 ? 56 : 44);
  const shentsize = eh.u16(L.is64 ? 58 : 46);
  let shnum = eh.u16(L.is64 ? 60 : 48);

  const shdrSize = L.is64 ? 64 : 40;
  let sections: Section[] = [];
  if (shoff !== 0) {
    if (shentsize < shdrSize) throw new InspectError(`ELF e_shentsize ${shentsize} is smaller than a section header (${shdrSize})`);
    // Extended numbering: counts too large for the header live in section 0.
    if (shnum === 0 || phnum === PN_XNUM) {
      const s0 = readSection(src, L, shoff, 0);
      if (shnum === 0) shnum = s0.size;
      if (phnum === PN_XNUM) phnum = s0.info;
    }
    sections = readSections(src, L, shoff, shnum, shentsize);
  }

  const segments = readProgramHeaders(src, L, phoff, phnum, phentsize);
  const interpreter = readInterpreter(src, segments);

  const dynamicSegment = segments.find((s) => s.type === PT_DYNAMIC);
  let facts: DynamicFacts = { needed: [], versionNeeds: [] };
  if (dynamicSegment) {
    facts = dynamicFromSegments(src, L, dynamicSegment, segments);
  } else if (sections.length > 0) {
    facts = dynamicFromSections(src, L, sections);
  }

  const type = elfType(eType);
  const glibcVersion = maxGlibc(
    facts.versionNeeds.flatMap((n) => {
      const v = countsForGlibc(n.file) ? glibcVersionOfNeed(n.name) : null;
      return v === null ? [] : [v];
    }),
  );
  const elf: ElfInfo = {
    type,
    interpreter,
    libc: classifyLibc(type, interpreter, facts.needed),
    glibcVersion,
    needed: facts.needed,
  };
  return {
    format: 'elf',
    cpu: elfCpu(machine, L),
    bits: L.is64 ? 64 : 32,
    endian: L.le ? 'little' : 'big',
    elf,
  };
}

function elfType(t: number): ElfInfo['type'] {
  switch (t) {
    case 1:
      return 'rel';
    case 2:
      return 'exec';
    case 3:
      return 'dyn';
    case 4:
      return 'core';
    default:
      return `unknown(${hex(t)})`;
  }
}

function elfCpu(machine: number, L: Layout): string {
  switch (machine) {
    case 3:
      return 'ia32';
    case 62: // also the x32 ABI when ELFCLASS32; `bits` tells them apart
      return 'x64';
    case 40:
      return 'arm';
    case 183:
      return 'arm64';
    case 243:
      return L.is64 ? 'riscv64' : 'riscv32';
    case 20:
      return 'ppc';
    case 21: // ppc64 and ppc64le; `endian` tells them apart
      return 'ppc64';
    case 22:
      return L.is64 ? 's390x' : 's390';
    case 258:
      return L.is64 ? 'loong64' : 'loong32';
    case 8:
      if (L.is64) return L.le ? 'mips64el' : 'mips64';
      return L.le ? 'mipsel' : 'mips';
    default:
      return unknownCpu(machine);
  }
}

/** Throws unless `count` entries of `entsize` bytes at `offset` fit in the file. */
function checkTable(src: ByteSource, offset: number, count: number, entsize: number, what: string): void {
  const end = offset + count * entsize;
  if (end > src.size) {
    throw new InspectError(
      `${what} (${count} entries of ${entsize} bytes at offset ${offset}) ends at byte ${end}, past the end of the file (${src.size} bytes); truncated or corrupt?`,
    );
  }
}

function readSection(src: ByteSource, L: Layout, shoff: number, index: number): Section {
  const size = L.is64 ? 64 : 40;
  const v = readStruct(src, shoff + index * size, size, L.le, `ELF section header ${index}`);
  return sectionFrom(v, L);
}

/**
 * Reads the section header table and checks that every section's contents
 * are inside the file. Linkers put either the section table or some section
 * (Go: .shstrtab) at the very end, so this is what catches a file that was
 * cut short even when everything the loader needs is still there.
 */
function readSections(src: ByteSource, L: Layout, shoff: number, shnum: number, shentsize: number): Section[] {
  checkTable(src, shoff, shnum, shentsize, 'ELF section header table');
  const table = src.read(shoff, shnum * shentsize, 'ELF section header table');
  const sections: Section[] = [];
  for (let i = 0; i < shnum; i++) {
    const v = new StructView(table.subarray(i * shentsize, (i + 1) * shentsize), L.le, `ELF section header ${i}`);
    const s = sectionFrom(v, L);
    if (s.type !== SHT_NULL && s.type !== SHT_NOBITS && s.offset + s.size > src.size) {
      throw new InspectError(
        `ELF section ${i} (type ${hex(s.type)}, bytes ${s.offset}..${s.offset + s.size}) lies past the end of the file (${src.size} bytes); truncated?`,
      );
    }
    sections.push(s);
  }
  return sections;
}

function sectionFrom(v: StructView, L: Layout): Section {
  return L.is64
    ? { type: v.u32(4), offset: v.u64(24), size: v.u64(32), link: v.u32(40), info: v.u32(44) }
    : { type: v.u32(4), offset: v.u32(16), size: v.u32(20), link: v.u32(24), info: v.u32(28) };
}

function readProgramHeaders(src: ByteSource, L: Layout, phoff: number, phnum: number, phentsize: number): Segment[] {
  if (phnum === 0) return [];
  const minSize = L.is64 ? 56 : 32;
  if (phentsize < minSize) throw new InspectError(`ELF e_phentsize ${phentsize} is smaller than a program header (${minSize})`);
  if (phnum > MAX_PROGRAM_HEADERS) throw new InspectError(`ELF claims ${phnum} program headers (limit ${MAX_PROGRAM_HEADERS}); corrupt header`);
  checkTable(src, phoff, phnum, phentsize, 'ELF program header table');
  const table = src.read(phoff, phnum * phentsize, 'ELF program header table');
  const segments: Segment[] = [];
  for (let i = 0; i < phnum; i++) {
    const v = new StructView(table.subarray(i * phentsize, (i + 1) * phentsize), L.le, `ELF program header ${i}`);
    const type = v.u32(0);
    // Only the kinds we use are decoded: other kinds may legitimately hold
    // values (e.g. kernel addresses) that we have no reason to validate.
    if (type !== PT_LOAD && type !== PT_DYNAMIC && type !== PT_INTERP) continue;
    const seg: Segment = L.is64
      ? { type, offset: v.u64(8), vaddr: v.u64(16), filesz: v.u64(32) }
      : { type, offset: v.u32(4), vaddr: v.u32(8), filesz: v.u32(16) };
    if (seg.offset + seg.filesz > src.size) {
      throw new InspectError(
        `ELF segment ${i} (type ${hex(type)}, bytes ${seg.offset}..${seg.offset + seg.filesz}) lies past the end of the file (${src.size} bytes); truncated?`,
      );
    }
    segments.push(seg);
  }
  return segments;
}

function readInterpreter(src: ByteSource, segments: Segment[]): string | null {
  const interps = segments.filter((s) => s.type === PT_INTERP);
  if (interps.length === 0) return null;
  if (interps.length > 1) throw new InspectError(`ELF has ${interps.length} PT_INTERP segments (at most one is valid)`);
  const seg = interps[0]!;
  if (seg.filesz > MAX_NAME_LENGTH) throw new InspectError(`ELF PT_INTERP is ${seg.filesz} bytes; corrupt header?`);
  const bytes = src.read(seg.offset, seg.filesz, 'ELF PT_INTERP');
  const path = cString(bytes, 0, MAX_NAME_LENGTH, 'ELF PT_INTERP');
  if (path === '') throw new InspectError('ELF PT_INTERP is empty');
  return path;
}

/** File offset of virtual address `addr`, via the PT_LOAD segment that maps it from the file. */
function addressToOffset(addr: number, segments: Segment[], what: string): number {
  for (const s of segments) {
    if (s.type === PT_LOAD && addr >= s.vaddr && addr < s.vaddr + s.filesz) return s.offset + (addr - s.vaddr);
  }
  throw new InspectError(`${what} address ${hex(addr)} is not inside any file-backed PT_LOAD segment`);
}

interface DynamicEntries {
  neededOffsets: number[];
  strtab: number | null;
  strsz: number | null;
  verneed: number | null;
  verneednum: number | null;
}

/** Reads the tags we use from a dynamic table occupying `bytes`; stops at DT_NULL. */
function readDynamicEntries(bytes: Uint8Array, L: Layout): DynamicEntries {
  const entsize = L.is64 ? 16 : 8;
  const count = Math.floor(bytes.length / entsize);
  if (count > MAX_DYNAMIC_ENTRIES) throw new InspectError(`ELF dynamic table has ${count} entries (limit ${MAX_DYNAMIC_ENTRIES}); corrupt?`);
  const out: DynamicEntries = { neededOffsets: [], strtab: null, strsz: null, verneed: null, verneednum: null };
  for (let i = 0; i < count; i++) {
    const v = new StructView(bytes.subarray(i * entsize, (i + 1) * entsize), L.le, `ELF dynamic entry ${i}`);
    // d_tag is signed and 64-bit in ELF64; every tag we use fits in 32 bits,
    // so a non-zero high word just means "some tag we ignore".
    let tag: number;
    if (L.is64) {
      const lo = v.u32(L.le ? 0 : 4);
      const hi = v.u32(L.le ? 4 : 0);
      tag = hi === 0 ? lo : -1;
    } else {
      tag = v.u32(0);
    }
    if (tag === DT_NULL) break;
    const val = (): number => v.word(entsize / 2, L.is64);
    if (tag === DT_NEEDED) out.neededOffsets.push(val());
    else if (tag === DT_STRTAB) out.strtab = val();
    else if (tag === DT_STRSZ) out.strsz = val();
    else if (tag === DT_VERNEED) out.verneed = val();
    else if (tag === DT_VERNEEDNUM) out.verneednum = val();
  }
  return out;
}

function dynamicFromSegments(src: ByteSource, L: Layout, dyn: Segment, segments: Segment[]): DynamicFacts {
  const entries = readDynamicEntries(src.read(dyn.offset, dyn.filesz, 'ELF PT_DYNAMIC'), L);
  const wantsStrings = entries.neededOffsets.length > 0 || entries.verneed !== null;
  if (!wantsStrings) return { needed: [], versionNeeds: [] };
  if (entries.strtab === null) throw new InspectError('ELF dynamic section has DT_NEEDED/DT_VERNEED but no DT_STRTAB');
  if (entries.strsz === null) throw new InspectError('ELF dynamic section has DT_STRTAB but no DT_STRSZ');
  const strtabOffset = addressToOffset(entries.strtab, segments, 'DT_STRTAB');
  const strtab = src.read(strtabOffset, entries.strsz, 'ELF dynamic string table (DT_STRTAB/DT_STRSZ)');
  const needed = entries.neededOffsets.map((o) => cString(strtab, o, MAX_NAME_LENGTH, 'DT_NEEDED'));
  const versionNeeds =
    entries.verneed === null ? [] : readVersionNeeds(src, L, addressToOffset(entries.verneed, segments, 'DT_VERNEED'), entries.verneednum, strtab);
  return { needed, versionNeeds };
}

/** Fallback for files without PT_DYNAMIC: the same facts from section headers. */
function dynamicFromSections(src: ByteSource, L: Layout, sections: Section[]): DynamicFacts {
  const linkedStrings = (s: Section, what: string): Uint8Array => {
    const strs = s.link === 0 ? undefined : sections[s.link];
    if (!strs) throw new InspectError(`${what}: sh_link ${s.link} is not a valid section index`);
    if (strs.type === SHT_NOBITS) throw new InspectError(`${what}: linked string table has no file contents`);
    return src.read(strs.offset, strs.size, `${what} string table (section ${s.link})`);
  };

  const facts: DynamicFacts = { needed: [], versionNeeds: [] };
  for (const s of sections) {
    if (s.type === SHT_DYNAMIC && facts.needed.length === 0) {
      const entries = readDynamicEntries(src.read(s.offset, s.size, 'ELF .dynamic section'), L);
      if (entries.neededOffsets.length > 0) {
        const strtab = linkedStrings(s, 'ELF .dynamic section');
        facts.needed = entries.neededOffsets.map((o) => cString(strtab, o, MAX_NAME_LENGTH, 'DT_NEEDED'));
      }
    } else if (s.type === SHT_GNU_VERNEED && s.size > 0 && facts.versionNeeds.length === 0) {
      const strtab = linkedStrings(s, 'ELF .gnu.version_r section');
      // Here the table's extent is known, so the walk may not leave it.
      const table = subSource(src, s.offset, s.size, 'ELF .gnu.version_r section');
      // sh_info holds the entry count; some tools leave it 0, so then we follow vn_next.
      facts.versionNeeds = readVersionNeeds(table, L, 0, s.info === 0 ? null : s.info, strtab);
    }
  }
  return facts;
}

/**
 * Walks the Elf_Verneed chain (same 16-byte layout in ELF32 and ELF64) and
 * each entry's Elf_Vernaux chain. Links are unsigned offsets and 0 ends a
 * chain, so the walk only moves forward and runs off the end of the file at
 * worst (a parser that wraps offsets at 32 bits could be sent in circles; we
 * do not wrap). The counts are capped so a file full of bogus entries is
 * still cheap.
 */
function readVersionNeeds(src: ByteSource, L: Layout, start: number, count: number | null, strtab: Uint8Array): VersionNeed[] {
  if (count !== null && count > MAX_VERNEED_FILES) {
    throw new InspectError(`ELF claims ${count} version-need entries (limit ${MAX_VERNEED_FILES}); corrupt?`);
  }
  const out: VersionNeed[] = [];
  let off = start;
  for (let i = 0; count === null || i < count; i++) {
    if (i >= MAX_VERNEED_FILES) throw new InspectError(`ELF version-need chain exceeds ${MAX_VERNEED_FILES} entries; corrupt?`);
    const vn = readStruct(src, off, 16, L.le, `ELF version-need entry ${i}`);
    const auxCount = vn.u16(2);
    const file = cString(strtab, vn.u32(4), MAX_NAME_LENGTH, `ELF version-need entry ${i} file name`);
    let auxOff = off + vn.u32(8);
    for (let j = 0; j < auxCount; j++) {
      if (out.length >= MAX_VERNEED_VERSIONS) throw new InspectError(`ELF version needs exceed ${MAX_VERNEED_VERSIONS} names; corrupt?`);
      const aux = readStruct(src, auxOff, 16, L.le, `ELF version-need ${i} name ${j}`);
      out.push({ file, name: cString(strtab, aux.u32(8), MAX_NAME_LENGTH, `ELF version-need ${i} name ${j}`) });
      const next = aux.u32(12);
      if (next === 0) break;
      auxOff += next;
    }
    const next = vn.u32(12);
    if (next === 0) break;
    off += next;
  }
  return out;
}

const GLIBC_INTERPRETER = /^(ld-linux.*\.so\.\d+|ld64\.so\.\d+)$/; // ld-linux-x86-64.so.2, ld-linux-aarch64.so.1, ld64.so.2 (ppc64), …
const MUSL_INTERPRETER = /^ld-musl-.+\.so\.1$/; // ld-musl-x86_64.so.1, …
const GLIBC_LIBC = /^libc\.so\.6(\.1)?$/; // libc.so.6.1 on alpha/ia64
const ALPINE_MUSL_LIBC = /^libc\.musl-.+\.so\.1$/;
// musl's own soname, as linked by musl cross toolchains. Android's bionic uses
// it too, so it only counts where there is no interpreter to go by: Android
// executables name /system/bin/linker*, and we do not guess from it.
const PLAIN_LIBC = 'libc.so';

function classifyLibc(type: string, interpreter: string | null, needed: string[]): ElfLibc {
  if (interpreter !== null) {
    const base = interpreter.slice(interpreter.lastIndexOf('/') + 1);
    if (MUSL_INTERPRETER.test(base)) return 'musl';
    if (GLIBC_INTERPRETER.test(base)) return 'glibc';
    // Otherwise (e.g. /lib/ld.so.1 on mips/ppc32, used by more than one
    // libc) only an unambiguous DT_NEEDED decides.
  }
  if (needed.some((n) => ALPINE_MUSL_LIBC.test(n))) return 'musl';
  if (needed.some((n) => GLIBC_LIBC.test(n))) return 'glibc';
  if (interpreter === null && needed.includes(PLAIN_LIBC)) return 'musl';
  // No loader and no shared libraries: static executable or static-pie.
  if (interpreter === null && needed.length === 0 && (type === 'exec' || type === 'dyn')) return 'static';
  return 'unknown';
}
