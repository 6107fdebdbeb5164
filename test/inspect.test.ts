import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type BinaryInfo, compareGlibc, InspectError, inspectBuffer, inspectFile, inspectSource } from '../src/inspect/index.js';
import { type ByteSource, bufferSource } from '../src/inspect/reader.js';
import { type ExpectedBinary, PLATFORM_BINARIES, type PlatformBinaryKey, platformBinary } from './support/platform-binaries.js';

const FIXTURE_KEYS = Object.keys(PLATFORM_BINARIES) as PlatformBinaryKey[];

/** The full BinaryInfo a fixture's expectations describe, for one deepEqual. */
function expectedInfo(e: ExpectedBinary): BinaryInfo {
  const info: BinaryInfo = { format: e.format, cpu: e.cpu, bits: e.bits, endian: e.endian ?? 'little' };
  if (e.slices) info.slices = e.slices;
  if (e.format === 'elf') {
    info.elf = {
      type: e.elfType ?? '(elfType missing from fixture)',
      interpreter: e.interpreter ?? null,
      libc: e.libc ?? 'unknown',
      glibcVersion: e.glibcVersion ?? null,
      needed: e.needed ?? [],
    };
  }
  if (e.macho) info.macho = e.macho;
  if (e.pe) info.pe = e.pe;
  return info;
}

describe('real binaries of every platform', () => {
  for (const key of FIXTURE_KEYS) {
    const fixture = PLATFORM_BINARIES[key];
    it(`${key} (${fixture.spec})`, async () => {
      const path = await platformBinary(key);
      const fromFile = await inspectFile(path);
      assert.deepEqual(fromFile, expectedInfo(fixture.expect));
      // The in-memory path must agree with the ranged file reads.
      assert.deepEqual(inspectBuffer(await readFile(path)), fromFile);
    });
  }

  it('the glibc-linked CLI needs a plausible glibc', async () => {
    const info = await inspectFile(await platformBinary('biome-linux-x64'));
    const v = info.elf?.glibcVersion;
    assert.ok(v, 'glibcVersion is set');
    assert.ok(compareGlibc(v, '2.17') >= 0 && compareGlibc(v, '2.39') <= 0, `glibc ${v} in [2.17, 2.39]`);
  });

  it('the fat Mach-O lists both slices', async () => {
    const info = await inspectFile(await platformBinary('fsevents-universal'));
    assert.deepEqual(
      info.slices?.map((s) => s.cpu),
      ['x64', 'arm64'],
    );
  });
});

describe('binaries of this host', () => {
  const hostFormat = { linux: 'elf', darwin: 'macho', win32: 'pe' }[process.platform as string];
  // A running node cannot need a newer glibc than the one it runs on.
  const runtimeGlibc = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime;

  it('process.execPath', async () => {
    const info = await inspectFile(process.execPath);
    assert.equal(info.format, hostFormat);
    assert.equal(info.cpu, process.arch);
    assert.equal(info.bits, ['x64', 'arm64', 'ppc64', 's390x', 'riscv64', 'loong64'].includes(process.arch) ? 64 : 32);
    if (runtimeGlibc) {
      assert.equal(info.elf?.libc, 'glibc');
      assert.ok(info.elf?.glibcVersion, 'a glibc-linked node has GLIBC_* version needs');
      assert.ok(compareGlibc(info.elf.glibcVersion, runtimeGlibc) <= 0, `${info.elf.glibcVersion} <= runtime ${runtimeGlibc}`);
    }
  });

  it('/bin/ls', { skip: !existsSync('/bin/ls') }, async () => {
    const info = await inspectFile('/bin/ls');
    assert.equal(info.format, hostFormat);
    assert.equal(info.cpu, process.arch);
    if (runtimeGlibc) {
      assert.equal(info.elf?.libc, 'glibc');
      assert.ok(info.elf?.needed.includes('libc.so.6'));
      assert.ok(info.elf?.glibcVersion && compareGlibc(info.elf.glibcVersion, runtimeGlibc) <= 0);
    }
  });

  const crossLibc = '/usr/aarch64-linux-gnu/lib/libc.so.6';
  it(crossLibc, { skip: !existsSync(crossLibc) }, async () => {
    assert.deepEqual(await inspectFile(crossLibc), {
      format: 'elf',
      cpu: 'arm64',
      bits: 64,
      endian: 'little',
      elf: {
        type: 'dyn',
        interpreter: '/lib/ld-linux-aarch64.so.1',
        libc: 'glibc',
        // It needs GLIBC_2.17 and GLIBC_PRIVATE from ld.so; PRIVATE is no release.
        glibcVersion: '2.17',
        needed: ['ld-linux-aarch64.so.1'],
      },
    });
  });
});

describe('compareGlibc', () => {
  it('compares numerically, not as strings', () => {
    assert.equal(compareGlibc('2.17', '2.34'), -1);
    assert.equal(compareGlibc('2.34', '2.17'), 1);
    assert.equal(compareGlibc('2.3.4', '2.17'), -1);
    assert.equal(compareGlibc('2.9', '2.10'), -1);
    assert.equal(compareGlibc('2.34', '2.34.0'), 0);
    assert.equal(compareGlibc('GLIBC_2.28', '2.28'), 0);
    assert.deepEqual(['2.34', '2.2.5', '2.17', '2.3.4'].sort(compareGlibc), ['2.2.5', '2.3.4', '2.17', '2.34']);
  });

  it('rejects non-versions', () => {
    assert.throws(() => compareGlibc('GLIBC_PRIVATE', '2.17'), RangeError);
    assert.throws(() => compareGlibc('', '2.17'), RangeError);
  });
});

// ---------------------------------------------------------------------------
// Crafted inputs. Small builders make exact edge cases (other CPUs, byte
// orders, libcs, version names) and hostile headers.

/** A growable byte buffer with fixed endianness. */
class Bytes {
  private buf = new Uint8Array(1024);
  length = 0;
  constructor(readonly le: boolean) {}
  private ensure(end: number): DataView {
    if (end > this.buf.length) {
      const bigger = new Uint8Array(Math.max(end, this.buf.length * 2));
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.length = Math.max(this.length, end);
    return new DataView(this.buf.buffer);
  }
  u8(off: number, v: number): void {
    this.ensure(off + 1).setUint8(off, v);
  }
  u16(off: number, v: number): void {
    this.ensure(off + 2).setUint16(off, v, this.le);
  }
  u32(off: number, v: number): void {
    this.ensure(off + 4).setUint32(off, v, this.le);
  }
  u64(off: number, v: number): void {
    this.ensure(off + 8).setBigUint64(off, BigInt(v), this.le);
  }
  word(off: number, v: number, wide: boolean): void {
    if (wide) this.u64(off, v);
    else this.u32(off, v);
  }
  /** Appends `n` zero bytes at `align`, returning their offset. */
  reserve(n: number, align = 8): number {
    const off = Math.ceil(this.length / align) * align;
    this.ensure(off + n);
    return off;
  }
  append(bytes: Uint8Array, align = 1): number {
    const off = this.reserve(bytes.length, align);
    this.buf.set(bytes, off);
    return off;
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

interface ElfSpec {
  is64?: boolean;
  le?: boolean;
  machine?: number;
  /** e_type; default ET_DYN. */
  type?: number;
  interp?: string;
  needed?: string[];
  verneed?: { file: string; names: string[] }[];
  /** Where the dynamic data is announced: program headers (like any linked binary) or only section headers. */
  via?: 'segments' | 'sections';
}

interface BuiltElf {
  bytes: Uint8Array;
  /** File offsets of structures, for tests that corrupt them. */
  at: { verneed: number; shoff: number };
}

const ELF_BASE = 0x10000;

function buildElf(spec: ElfSpec): BuiltElf {
  const is64 = spec.is64 ?? true;
  const le = spec.le ?? true;
  const needed = spec.needed ?? [];
  const verneed = spec.verneed ?? [];
  const via = spec.via ?? 'segments';
  const b = new Bytes(le);
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const shentsize = is64 ? 64 : 40;
  const hasDynamic = needed.length > 0 || verneed.length > 0;

  // Strings first, so offsets are known.
  const strings: number[] = [0];
  const strOffset = new Map<string, number>();
  const str = (s: string): number => {
    let o = strOffset.get(s);
    if (o === undefined) {
      o = strings.length;
      strings.push(...new TextEncoder().encode(s), 0);
      strOffset.set(s, o);
    }
    return o;
  };
  needed.forEach(str);
  for (const v of verneed) {
    str(v.file);
    v.names.forEach(str);
  }

  const phTypes = [1 /* PT_LOAD */];
  if (spec.interp !== undefined) phTypes.push(3 /* PT_INTERP */);
  if (hasDynamic && via === 'segments') phTypes.push(2 /* PT_DYNAMIC */);
  b.reserve(ehsize);
  const phdrs = b.reserve(phTypes.length * phentsize);

  const interpAt = spec.interp === undefined ? 0 : b.append(new TextEncoder().encode(`${spec.interp}\0`));
  const dynstr = b.append(Uint8Array.from(strings));
  const verneedAt = b.reserve(
    verneed.reduce((n, v) => n + 16 + 16 * v.names.length, 0),
    4,
  );
  let off = verneedAt;
  verneed.forEach((v, i) => {
    b.u16(off, 1);
    b.u16(off + 2, v.names.length);
    b.u32(off + 4, str(v.file));
    b.u32(off + 8, 16);
    b.u32(off + 12, i < verneed.length - 1 ? 16 + 16 * v.names.length : 0);
    v.names.forEach((name, j) => {
      const a = off + 16 + 16 * j;
      b.u16(a + 6, j + 2);
      b.u32(a + 8, str(name));
      b.u32(a + 12, j < v.names.length - 1 ? 16 : 0);
    });
    off += 16 + 16 * v.names.length;
  });
  const dynEntries: [number, number][] = [
    ...needed.map((n): [number, number] => [1, str(n)]),
    [5, ELF_BASE + dynstr],
    [10, strings.length],
    ...(verneed.length
      ? ([
          [0x6ffffffe, ELF_BASE + verneedAt],
          [0x6fffffff, verneed.length],
        ] as [number, number][])
      : []),
    [0, 0],
  ];
  const dynEnt = is64 ? 16 : 8;
  const dynamic = b.reserve(hasDynamic ? dynEntries.length * dynEnt : 0);
  if (hasDynamic) {
    dynEntries.forEach(([tag, val], i) => {
      b.word(dynamic + i * dynEnt, tag, is64);
      b.word(dynamic + i * dynEnt + dynEnt / 2, val, is64);
    });
  }
  const loadEnd = b.length;

  // Sections: null, .dynstr, .dynamic, .gnu.version_r (also present in
  // 'segments' mode, as in a normal binary; they are only read in 'sections' mode).
  const sections: [type: number, offset: number, size: number, link: number, info: number][] = [
    [0, 0, 0, 0, 0],
    [3, dynstr, strings.length, 0, 0],
    [6, dynamic, hasDynamic ? dynEntries.length * dynEnt : 0, 1, 0],
    [0x6ffffffe, verneedAt, verneed.reduce((n, v) => n + 16 + 16 * v.names.length, 0), 1, verneed.length],
  ];
  const shoff = b.reserve(sections.length * shentsize);
  sections.forEach(([type, o, size, link, info], i) => {
    const s = shoff + i * shentsize;
    b.u32(s + 4, type);
    b.word(s + (is64 ? 24 : 16), o, is64);
    b.word(s + (is64 ? 32 : 20), size, is64);
    b.u32(s + (is64 ? 40 : 24), link);
    b.u32(s + (is64 ? 44 : 28), info);
  });

  phTypes.forEach((type, i) => {
    const p = phdrs + i * phentsize;
    const [o, size] = type === 1 ? [0, loadEnd] : type === 3 ? [interpAt, spec.interp!.length + 1] : [dynamic, dynEntries.length * dynEnt];
    b.u32(p, type);
    b.word(p + (is64 ? 8 : 4), o, is64);
    b.word(p + (is64 ? 16 : 8), ELF_BASE + o, is64);
    b.word(p + (is64 ? 32 : 16), size, is64);
    b.word(p + (is64 ? 40 : 20), size, is64);
  });

  // ELF header.
  for (const [i, v] of [0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, le ? 1 : 2, 1].entries()) b.u8(i, v);
  b.u16(16, spec.type ?? 3);
  b.u16(18, spec.machine ?? 62);
  b.u32(20, 1);
  b.word(is64 ? 32 : 28, phdrs, is64);
  b.word(is64 ? 40 : 32, shoff, is64);
  b.u16(is64 ? 52 : 40, ehsize);
  b.u16(is64 ? 54 : 42, phentsize);
  b.u16(is64 ? 56 : 44, phTypes.length);
  b.u16(is64 ? 58 : 46, shentsize);
  b.u16(is64 ? 60 : 48, sections.length);
  return { bytes: b.done(), at: { verneed: verneedAt, shoff } };
}

/** Writes a u32 into a copy of `bytes`. */
function patched(bytes: Uint8Array, off: number, value: number, le = true, width: 2 | 4 | 8 = 4): Uint8Array {
  const copy = bytes.slice();
  const dv = new DataView(copy.buffer);
  if (width === 2) dv.setUint16(off, value, le);
  else if (width === 4) dv.setUint32(off, value, le);
  else dv.setBigUint64(off, BigInt(value), le);
  return copy;
}

/** Asserts `fn` throws an InspectError matching `pattern` within a short time. */
function assertFailsFast(fn: () => unknown, pattern: RegExp): void {
  const start = performance.now();
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InspectError, `expected InspectError, got ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  });
  const ms = performance.now() - start;
  assert.ok(ms < 500, `took ${ms.toFixed(0)} ms`);
}

describe('ELF details', () => {
  const glibcNeeds = [
    { file: 'libc.so.6', names: ['GLIBC_2.2.5', 'GLIBC_2.17', 'GLIBC_PRIVATE', 'GLIBC_2.34', 'GLIBC_2.3.4'] },
    { file: 'libm.so.6', names: ['GLIBC_2.29'] },
  ];

  it('glibc executable: interpreter, DT_NEEDED and the highest GLIBC_ version', () => {
    const { bytes } = buildElf({ interp: '/lib64/ld-linux-x86-64.so.2', needed: ['libm.so.6', 'libc.so.6'], verneed: glibcNeeds });
    assert.deepEqual(inspectBuffer(bytes), {
      format: 'elf',
      cpu: 'x64',
      bits: 64,
      endian: 'little',
      elf: {
        type: 'dyn',
        interpreter: '/lib64/ld-linux-x86-64.so.2',
        libc: 'glibc',
        glibcVersion: '2.34',
        needed: ['libm.so.6', 'libc.so.6'],
      },
    });
  });

  it('the same facts from section headers when there is no PT_DYNAMIC', () => {
    const info = inspectBuffer(buildElf({ needed: ['libc.so.6'], verneed: glibcNeeds, via: 'sections' }).bytes);
    assert.equal(info.elf?.glibcVersion, '2.34');
    assert.deepEqual(info.elf?.needed, ['libc.so.6']);
    assert.equal(info.elf?.libc, 'glibc');
  });

  it('dynamic musl executable: libc from the interpreter', () => {
    const info = inspectBuffer(buildElf({ machine: 183, interp: '/lib/ld-musl-aarch64.so.1', needed: ['libc.musl-aarch64.so.1'] }).bytes);
    assert.equal(info.cpu, 'arm64');
    assert.equal(info.elf?.libc, 'musl');
    assert.equal(info.elf?.interpreter, '/lib/ld-musl-aarch64.so.1');
    assert.equal(info.elf?.glibcVersion, null);
  });

  it('32-bit big-endian MIPS: ambiguous /lib/ld.so.1 is settled by DT_NEEDED', () => {
    const bytes = buildElf({
      is64: false,
      le: false,
      machine: 8,
      type: 2,
      interp: '/lib/ld.so.1',
      needed: ['libc.so.6'],
      verneed: [{ file: 'libc.so.6', names: ['GLIBC_2.0', 'GLIBC_2.2'] }],
    }).bytes;
    assert.deepEqual(inspectBuffer(bytes), {
      format: 'elf',
      cpu: 'mips',
      bits: 32,
      endian: 'big',
      elf: { type: 'exec', interpreter: '/lib/ld.so.1', libc: 'glibc', glibcVersion: '2.2', needed: ['libc.so.6'] },
    });
  });

  it('CPU names follow process.arch, with bits and byte order where Node needs them', () => {
    const cpu = (machine: number, is64 = true, le = true): string => inspectBuffer(buildElf({ machine, is64, le }).bytes).cpu;
    assert.equal(cpu(3, false), 'ia32');
    assert.equal(cpu(40, false), 'arm');
    assert.equal(cpu(243), 'riscv64');
    assert.equal(cpu(258), 'loong64');
    assert.equal(cpu(22, true, false), 's390x');
    assert.equal(cpu(8, false, true), 'mipsel');
    assert.equal(cpu(8, true, true), 'mips64el');
    assert.equal(cpu(0x1234), 'unknown(0x1234)');
    const ppc64 = inspectBuffer(buildElf({ machine: 21, le: false }).bytes);
    assert.deepEqual([ppc64.cpu, ppc64.endian], ['ppc64', 'big']);
  });

  it('GLIBC_ABI_DT_RELR means glibc 2.36; GLIBC_* needed from libgcc_s is no glibc requirement', () => {
    const relr = buildElf({
      interp: '/lib64/ld-linux-x86-64.so.2',
      needed: ['libc.so.6'],
      verneed: [{ file: 'libc.so.6', names: ['GLIBC_2.34', 'GLIBC_ABI_DT_RELR'] }],
    });
    assert.equal(inspectBuffer(relr.bytes).elf?.glibcVersion, '2.36');
    const libgcc = buildElf({
      needed: ['libgcc_s.so.1', 'libc.so'],
      verneed: [{ file: 'libgcc_s.so.1', names: ['GCC_3.0', 'GLIBC_2.0'] }],
    });
    assert.deepEqual([inspectBuffer(libgcc.bytes).elf?.libc, inspectBuffer(libgcc.bytes).elf?.glibcVersion], ['musl', null]);
  });

  it('static: no interpreter, no DT_NEEDED', () => {
    assert.equal(inspectBuffer(buildElf({ type: 2 }).bytes).elf?.libc, 'static');
    assert.equal(inspectBuffer(buildElf({ type: 1 }).bytes).elf?.type, 'rel');
  });
});

describe('hostile ELF headers fail fast', () => {
  const base = buildElf({
    interp: '/lib64/ld-linux-x86-64.so.2',
    needed: ['libm.so.6', 'libc.so.6'],
    verneed: [
      { file: 'libc.so.6', names: ['GLIBC_2.17', 'GLIBC_2.34'] },
      { file: 'libm.so.6', names: ['GLIBC_2.29'] },
    ],
  });
  const sectionsOnly = buildElf({ needed: ['libc.so.6'], verneed: [{ file: 'libc.so.6', names: ['GLIBC_2.17'] }], via: 'sections' });

  it('the unmodified builders parse', () => {
    assert.equal(inspectBuffer(base.bytes).elf?.glibcVersion, '2.34');
    assert.equal(inspectBuffer(sectionsOnly.bytes).elf?.glibcVersion, '2.17');
  });

  it('gigantic e_shnum', () => {
    assertFailsFast(() => inspectBuffer(patched(base.bytes, 60, 0xffff, true, 2)), /section header table .* past the end/);
  });

  it('extended section count (e_shnum = 0, section 0 sh_size = 2^40)', () => {
    let bytes = patched(base.bytes, 60, 0, true, 2);
    bytes = patched(bytes, base.at.shoff + 32, 2 ** 40, true, 8);
    assertFailsFast(() => inspectBuffer(bytes), /section header table .* past the end/);
  });

  it('extended program header count (PN_XNUM, section 0 sh_info = 0xffffffff)', () => {
    let bytes = patched(base.bytes, 56, 0xffff, true, 2);
    bytes = patched(bytes, base.at.shoff + 44, 0xffffffff);
    assertFailsFast(() => inspectBuffer(bytes), /program headers \(limit/);
  });

  it('version-need chain whose vn_next wraps back at 32 bits', () => {
    // 0xfffffff0 is -16 to a parser doing 32-bit arithmetic: an endless loop there.
    const bytes = patched(base.bytes, base.at.verneed + 12, 0xfffffff0);
    assertFailsFast(() => inspectBuffer(bytes), /past the end of the file/);
  });

  it('DT_VERNEEDNUM / sh_info claiming 2^32-1 entries', () => {
    const info = sectionsOnly.at.shoff + 3 * 64 + 44;
    assertFailsFast(() => inspectBuffer(patched(sectionsOnly.bytes, info, 0xffffffff)), /claims 4294967295 version-need entries/);
  });

  it('version-name count and link pointing past the file', () => {
    // vn_cnt = 0xffff, and the last name's vna_next jumps 256 MiB ahead.
    const bytes = patched(patched(base.bytes, base.at.verneed + 2, 0xffff, true, 2), base.at.verneed + 16 + 16 + 12, 0x10000000);
    assertFailsFast(() => inspectBuffer(bytes), /past the end of the file/);
  });

  it('unterminated or out-of-range strings', () => {
    const dynstrOffset = base.at.verneed + 4; // vn_file
    assertFailsFast(() => inspectBuffer(patched(base.bytes, dynstrOffset, 0x7fffffff)), /outside its \d+-byte string table/);
  });

  it('program headers past the end; 64-bit offsets past 2^53', () => {
    assertFailsFast(() => inspectBuffer(patched(base.bytes, 32, base.bytes.length - 10, true, 8)), /program header table/);
    assertFailsFast(() => inspectBuffer(patched(base.bytes, 32, 2 ** 60, true, 8)), /implausibly large/);
  });

  it('unknown class / byte order', () => {
    assertFailsFast(() => inspectBuffer(patched(base.bytes, 4, 3, true, 2)), /unknown ELF class 3/);
  });
});

/** A thin Mach-O: header plus the given load commands. */
function buildMachO(o: { is64?: boolean; le?: boolean; cputype: number; filetype?: number; cmds?: Uint8Array[] }): Uint8Array {
  const is64 = o.is64 ?? true;
  const b = new Bytes(o.le ?? true);
  const cmds = o.cmds ?? [];
  const headerSize = is64 ? 32 : 28;
  b.u32(0, is64 ? 0xfeedfacf : 0xfeedface);
  b.u32(4, o.cputype);
  b.u32(12, o.filetype ?? 2);
  b.u32(16, cmds.length);
  b.u32(
    20,
    cmds.reduce((n, c) => n + c.length, 0),
  );
  b.reserve(headerSize - 24, 1);
  for (const c of cmds) b.append(c);
  return b.done();
}

function loadCommand(le: boolean, cmd: number, words: number[]): Uint8Array {
  const b = new Bytes(le);
  b.u32(0, cmd);
  b.u32(4, 8 + 4 * words.length);
  for (const [i, w] of words.entries()) b.u32(8 + 4 * i, w);
  return b.done();
}

/** A fat Mach-O holding `slices`; `fat64` uses the 64-bit architecture table. */
function buildFat(slices: { cputype: number; bytes: Uint8Array }[], fat64 = false): Uint8Array {
  const b = new Bytes(false);
  const entry = fat64 ? 32 : 20;
  b.u32(0, fat64 ? 0xcafebabf : 0xcafebabe);
  b.u32(4, slices.length);
  b.reserve(slices.length * entry, 1);
  slices.forEach((s, i) => {
    const at = b.append(s.bytes, 16);
    const e = 8 + i * entry;
    b.u32(e, s.cputype);
    b.word(e + 8, at, fat64);
    b.word(e + (fat64 ? 16 : 12), s.bytes.length, fat64);
  });
  return b.done();
}

const CPU_X86_64 = 0x01000007;
const CPU_ARM64 = 0x0100000c;

describe('Mach-O details', () => {
  it('32-bit big-endian PowerPC with LC_VERSION_MIN_MACOSX', () => {
    const bytes = buildMachO({ is64: false, le: false, cputype: 18, cmds: [loadCommand(false, 0x24, [0x000a0400, 0])] });
    assert.deepEqual(inspectBuffer(bytes), {
      format: 'macho',
      cpu: 'ppc',
      bits: 32,
      endian: 'big',
      macho: { fileType: 'execute', platform: 'macos', minOs: '10.4' },
    });
  });

  it('fat64 with a dylib pair; minOs with a patch level', () => {
    const build = (cputype: number) => buildMachO({ cputype, filetype: 6, cmds: [loadCommand(true, 0x32, [1, 0x000d0301, 0, 0])] });
    const bytes = buildFat(
      [
        { cputype: CPU_ARM64, bytes: build(CPU_ARM64) },
        { cputype: CPU_X86_64, bytes: build(CPU_X86_64) },
      ],
      true,
    );
    assert.deepEqual(inspectBuffer(bytes), {
      format: 'macho',
      cpu: 'arm64',
      bits: 64,
      endian: 'little',
      slices: [
        { cpu: 'arm64', bits: 64, macho: { fileType: 'dylib', platform: 'macos', minOs: '13.3.1' } },
        { cpu: 'x64', bits: 64, macho: { fileType: 'dylib', platform: 'macos', minOs: '13.3.1' } },
      ],
      macho: { fileType: 'dylib', platform: 'macos', minOs: '13.3.1' },
    });
  });

  it('iOS build version is reported as such', () => {
    const info = inspectBuffer(buildMachO({ cputype: CPU_ARM64, cmds: [loadCommand(true, 0x32, [2, 0x00100000, 0, 0])] }));
    assert.deepEqual(info.macho, { fileType: 'execute', platform: 'ios', minOs: '16.0' });
  });
});

describe('Mach-O code signatures', () => {
  const signedKeys = FIXTURE_KEYS.filter((key) => {
    const e: ExpectedBinary = PLATFORM_BINARIES[key].expect;
    return e.macho?.signature || e.slices?.some((s) => s.macho.signature);
  });

  it('hashing every code page again matches the signature of every signed real binary', async () => {
    assert.ok(signedKeys.length >= 4, `signed fixtures: ${signedKeys.join(', ')}`);
    for (const key of signedKeys) {
      const info = await inspectFile(await platformBinary(key), { hashPages: true });
      for (const macho of info.slices?.map((s) => s.macho) ?? [info.macho]) {
        if (macho?.signature) assert.equal(macho.signature.pagesMatch, true, `${key}: ${JSON.stringify(macho.signature)}`);
      }
    }
  });

  it('one changed byte of code after signing is caught, in its own slice only', async () => {
    const thin = new Uint8Array(await readFile(await platformBinary('biome-darwin-arm64')));
    thin[0x8000] = thin[0x8000]! ^ 0x01; // inside __TEXT, far below the signature
    assert.deepEqual(inspectBuffer(thin, { hashPages: true }).macho?.signature, {
      kind: 'adhoc',
      linkerSigned: true,
      identifier: 'biome-1ff75433924bc38d',
      pagesMatch: false,
    });
    assert.equal(inspectBuffer(thin).macho?.signature?.pagesMatch, undefined, 'pages are hashed only on request');

    const fat = new Uint8Array(await readFile(await platformBinary('sentry-cli-universal')));
    const arm64Offset = new DataView(fat.buffer, fat.byteOffset).getUint32(8 + 20 + 8); // second fat_arch's offset
    fat[arm64Offset + 0x8000] = fat[arm64Offset + 0x8000]! ^ 0x01;
    const slices = inspectBuffer(fat, { hashPages: true }).slices ?? [];
    assert.deepEqual(
      slices.map((s) => [s.cpu, s.macho.signature?.pagesMatch]),
      [
        ['x64', true],
        ['arm64', false],
      ],
    );
  });

  it('a signature outside the file or with a wrong magic is refused as corrupt', () => {
    const withSignature = (dataoff: number, datasize: number, blob?: Uint8Array) => {
      const head = buildMachO({ cputype: CPU_ARM64, cmds: [loadCommand(true, 0x32, [1, 0x000b0000, 0, 0]), loadCommand(true, 0x1d, [dataoff, datasize])] });
      if (!blob) return head;
      const out = new Uint8Array(dataoff + blob.length);
      out.set(head);
      out.set(blob, dataoff);
      return out;
    };
    assertFailsFast(
      () => inspectBuffer(withSignature(4096, 1024)),
      /code signature \(LC_CODE_SIGNATURE\) \(bytes 4096\.\.5120\) lies past the end of the file/,
    );
    assertFailsFast(() => inspectBuffer(withSignature(128, 16, new Uint8Array(16))), /not an embedded signature \(magic 0x0\); corrupt/);
    const noDirectory = Uint8Array.from([0xfa, 0xde, 0x0c, 0xc0, 0, 0, 0, 12, 0, 0, 0, 0]);
    assertFailsFast(() => inspectBuffer(withSignature(128, 12, noDirectory)), /has no code directory; corrupt/);
    const blobPastEnd = Uint8Array.from([0xfa, 0xde, 0x0c, 0xc0, 0, 0, 0, 20, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xff, 0xf0]);
    assertFailsFast(
      () => inspectBuffer(withSignature(128, 20, blobPastEnd)),
      /blob 0 \(slot 0x0\): bytes 65520\.\.65528 lie outside the 20-byte signature; corrupt/,
    );
  });
});

describe('hostile Mach-O headers fail fast', () => {
  const thin = buildMachO({ cputype: CPU_X86_64, cmds: [loadCommand(true, 0x32, [1, 0x000b0000, 0, 0])] });

  it('nfat_arch = 0xffffffff', () => {
    const bytes = Uint8Array.from([0xca, 0xfe, 0xba, 0xbe, 0xff, 0xff, 0xff, 0xff, ...new Array(64).fill(0)]);
    assertFailsFast(() => inspectBuffer(bytes), /claims 4294967295 architectures/);
  });

  it('a fat header with no architectures', () => {
    assertFailsFast(() => inspectBuffer(Uint8Array.from([0xca, 0xfe, 0xba, 0xbf, 0, 0, 0, 0])), /no architectures/);
  });

  it('a Java class file (same magic) is not read as a fat binary', () => {
    const cls = Uint8Array.from([0xca, 0xfe, 0xba, 0xbe, 0x00, 0x00, 0x00, 0x34, ...new Array(64).fill(0)]);
    assertFailsFast(() => inspectBuffer(cls), /Java class file/);
  });

  it('fat64 slice offset near 2^60', () => {
    const bytes = buildFat([{ cputype: CPU_X86_64, bytes: thin }], true);
    assertFailsFast(() => inspectBuffer(patched(bytes, 8 + 8, 2 ** 60, false, 8)), /implausibly large/);
  });

  it('a slice whose header disagrees with the fat table', () => {
    assertFailsFast(() => inspectBuffer(buildFat([{ cputype: CPU_ARM64, bytes: thin }])), /fat table says cputype 0x100000c/);
  });

  it('a fat slice that is itself fat', () => {
    const inner = buildFat([{ cputype: CPU_X86_64, bytes: thin }]);
    assertFailsFast(() => inspectBuffer(buildFat([{ cputype: CPU_X86_64, bytes: inner }])), /not a Mach-O header/);
  });

  it('a load command of size 0 (would never advance)', () => {
    assertFailsFast(() => inspectBuffer(patched(thin, 32 + 4, 0)), /invalid size 0/);
  });

  it('ncmds far beyond sizeofcmds', () => {
    assertFailsFast(() => inspectBuffer(patched(thin, 16, 0xffffffff)), /claims 4294967295 load commands/);
  });

  it('ncmds above the cap even when sizeofcmds would hold them', () => {
    // 65537 minimal 8-byte load commands: consistent with sizeofcmds, still no real binary.
    const many = buildMachO({ cputype: CPU_X86_64, cmds: Array.from({ length: 65537 }, () => loadCommand(true, 0x7fffffff, [])) });
    assertFailsFast(() => inspectBuffer(many), /Mach-O: header claims 65537 load commands \(limit 65536\); corrupt/);
    const atCap = buildMachO({ cputype: CPU_X86_64, cmds: Array.from({ length: 65536 }, () => loadCommand(true, 0x7fffffff, [])) });
    assert.equal(inspectBuffer(atCap).cpu, 'x64');
  });
});

/** A PE image with a DOS stub, COFF header, optional header and no sections. */
function buildPe(o: { machine: number; pe32plus?: boolean; subsystem?: number; characteristics?: number }): Uint8Array {
  const b = new Bytes(true);
  const optSize = o.pe32plus === false ? 224 : 240;
  b.u16(0, 0x5a4d);
  b.u32(0x3c, 64);
  b.u32(64, 0x00004550);
  b.u16(68, o.machine);
  b.u16(68 + 16, optSize);
  b.u16(68 + 18, o.characteristics ?? 0x22);
  b.u16(88, o.pe32plus === false ? 0x10b : 0x20b);
  b.u16(88 + 68, o.subsystem ?? 3);
  b.reserve(optSize - 70, 1);
  return b.done();
}

describe('PE details', () => {
  it('GUI DLL for riscv64, PE32 for ia32, unknown machines', () => {
    assert.deepEqual(inspectBuffer(buildPe({ machine: 0x5064, subsystem: 2, characteristics: 0x2022 })), {
      format: 'pe',
      cpu: 'riscv64',
      bits: 64,
      endian: 'little',
      pe: { machine: 0x5064, subsystem: 'gui', dll: true },
    });
    const ia32 = inspectBuffer(buildPe({ machine: 0x14c, pe32plus: false }));
    assert.deepEqual([ia32.cpu, ia32.bits, ia32.pe?.subsystem], ['ia32', 32, 'console']);
    const odd = inspectBuffer(buildPe({ machine: 0x1234, subsystem: 10 }));
    assert.deepEqual([odd.cpu, odd.pe?.subsystem], ['unknown(0x1234)', 'efi_application']);
  });

  it('hostile headers fail fast', () => {
    const pe = buildPe({ machine: 0x8664 });
    assertFailsFast(() => inspectBuffer(patched(pe, 0x3c, 0xfffffff0)), /past the end of the file/);
    assertFailsFast(() => inspectBuffer(patched(pe, 64 + 6, 0xffff, true, 2)), /65535 sections/);
    assertFailsFast(() => inspectBuffer(patched(pe, 64 + 20, 0, true, 2)), /optional header is 0 bytes/);
    assertFailsFast(() => inspectBuffer(patched(pe, 64, 0)), /MZ file without a PE header/);
  });
});

describe('not native executables', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'binship-inspect-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const cases: [name: string, content: string | Uint8Array, pattern: RegExp][] = [
    ['empty', '', /not a native executable: empty file/],
    ['notes.txt', 'just some text\nsecond line\n', /not a native executable: text file/],
    ['run.sh', '#!/bin/sh\nexec ./real-binary "$@"\n', /not a native executable: script \(#!\/bin\/sh\)/],
    ['launcher.js', '#!/usr/bin/env node\nconsole.log(1)\n', /not a native executable: script \(#!\/usr\/bin\/env node\)/],
    ['pkg.tgz', Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]), /not a native executable: gzip data/],
    ['mod.wasm', Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), /not a native executable: WebAssembly module/],
    ['two-bytes', Uint8Array.from([0x7f, 0x45]), /not a native executable: unrecognized file type \(starts with 7f 45\)/],
  ];
  for (const [name, content, pattern] of cases) {
    it(name, async () => {
      const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
      assertFailsFast(() => inspectBuffer(bytes), pattern);
      const path = join(dir, name);
      await writeFile(path, bytes);
      await assert.rejects(inspectFile(path), (err: unknown) => {
        assert.ok(err instanceof InspectError);
        assert.ok(err.message.startsWith(`${path}: `), err.message);
        assert.match(err.message, pattern);
        return true;
      });
    });
  }

  it('missing files and directories', async () => {
    await assert.rejects(inspectFile(join(dir, 'nope')), (err: unknown) => err instanceof InspectError && /nope: cannot read: ENOENT/.test(err.message));
    await assert.rejects(inspectFile(dir), (err: unknown) => err instanceof InspectError && err.message === `${dir}: not a regular file`);
  });
});

// ---------------------------------------------------------------------------
// Robustness on real binaries: truncations and byte flips must parse or throw
// InspectError, nothing else, and never hang.

/** Small seeded PRNG (mulberry32) so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedOf(s: string): number {
  let h = 2166136261;
  for (const c of s) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

/** Parses `buf`, recording every byte range the parser read. */
function parseRecordingReads(buf: Uint8Array): { info: BinaryInfo; ranges: [start: number, end: number][] } {
  const inner = bufferSource(buf);
  const ranges: [number, number][] = [];
  const src: ByteSource = {
    size: inner.size,
    read(offset, length, what) {
      ranges.push([offset, offset + length]);
      return inner.read(offset, length, what);
    },
  };
  return { info: inspectSource(src), ranges };
}

/** Parses or throws InspectError; anything else (or a slow parse) fails the test. */
function parseOrInspectError(buf: Uint8Array, label: string): 'ok' | 'error' {
  const start = performance.now();
  try {
    inspectBuffer(buf);
    return 'ok';
  } catch (err) {
    if (!(err instanceof InspectError)) assert.fail(`${label}: threw ${(err as Error)?.stack ?? String(err)}`);
    return 'error';
  } finally {
    const ms = performance.now() - start;
    assert.ok(ms < 1000, `${label}: took ${ms.toFixed(0)} ms`);
  }
}

async function robustnessSubjects(): Promise<[string, string][]> {
  const subjects: [string, string][] = [];
  for (const key of FIXTURE_KEYS) subjects.push([key, await platformBinary(key)]);
  for (const p of ['/bin/ls', process.execPath, '/usr/aarch64-linux-gnu/lib/libc.so.6']) if (existsSync(p)) subjects.push([p, p]);
  return subjects;
}

describe('robustness on real binaries', () => {
  let subjects: [string, string][] = [];
  before(async () => {
    subjects = await robustnessSubjects();
  });

  it('truncated copies parse or throw InspectError; cut inside anything read, they must throw', async () => {
    for (const [label, path] of subjects) {
      const buf = await readFile(path);
      const { ranges } = parseRecordingReads(buf);
      const lastRead = Math.max(...ranges.map(([, end]) => end));
      const random = prng(seedOf(label));
      const cuts = new Set<number>([0, 1, 3, 4, 15, 16, 63, 64]);
      for (const [start, end] of ranges) for (const c of [start, start + 1, (start + end) >> 1, end - 1]) cuts.add(c);
      for (let i = 1; i < 64; i++) {
        cuts.add(Math.floor((lastRead * i) / 64));
        cuts.add(Math.floor((buf.length * i) / 64));
      }
      for (let i = 0; i < 64; i++) cuts.add(Math.floor(random() * buf.length));
      for (const cut of cuts) {
        if (cut < 0 || cut >= buf.length) continue;
        const outcome = parseOrInspectError(buf.subarray(0, cut), `${label} cut at ${cut}`);
        if (cut < lastRead) assert.equal(outcome, 'error', `${label} cut at ${cut} (< ${lastRead}) must not parse`);
      }
    }
  });

  it('ELF and Mach-O files missing even their last byte are refused as truncated', async () => {
    for (const [label, path] of subjects) {
      const buf = await readFile(path);
      if (inspectBuffer(buf).format === 'pe') continue; // PE may end with data no header describes
      assert.throws(
        () => inspectBuffer(buf.subarray(0, buf.length - 1)),
        (err: unknown) => err instanceof InspectError && /truncated/.test(err.message),
        label,
      );
    }
  });

  it('byte flips and hostile words in the headers parse or throw InspectError', async () => {
    for (const [label, path] of subjects) {
      const buf = new Uint8Array(await readFile(path)); // a private copy we can mutate and restore
      const { ranges } = parseRecordingReads(buf);
      const random = prng(seedOf(label) ^ 0x5eed);
      const pick = (): number => {
        const [start, end] = ranges[Math.floor(random() * ranges.length)]!;
        return start + Math.floor(random() * (end - start));
      };
      const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      const HOSTILE_WORDS = [0xffffffff, 0x7fffffff, 0x80000000, 0, 1, 0xfffffff0];
      for (let i = 0; i < 300; i++) {
        const at = pick();
        const old = buf[at]!;
        buf[at] = old ^ (1 + Math.floor(random() * 255));
        parseOrInspectError(buf, `${label} byte ${at} ^ ${old ^ buf[at]!}`);
        buf[at] = old;
      }
      for (let i = 0; i < 150; i++) {
        const at = Math.min(pick() & ~3, buf.length - 4);
        const old = dv.getUint32(at);
        const word = HOSTILE_WORDS[i % HOSTILE_WORDS.length]!;
        dv.setUint32(at, word);
        parseOrInspectError(buf, `${label} word at ${at} = 0x${word.toString(16)}`);
        dv.setUint32(at, old);
      }
      assert.deepEqual(inspectBuffer(buf), parseRecordingReads(buf).info, `${label} restored`);
    }
  });

  it('inspectFile reports truncation of a real file with its path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'binship-inspect-'));
    try {
      const buf = await readFile(await platformBinary('biome-linux-x64'));
      for (const cut of [10, 100, 5000, buf.length - 1]) {
        const path = join(dir, `biome-${cut}`);
        await writeFile(path, buf.subarray(0, cut));
        await assert.rejects(inspectFile(path), (err: unknown) => {
          assert.ok(err instanceof InspectError, String(err));
          assert.ok(err.message.startsWith(`${path}: `), err.message);
          assert.match(err.message, /truncated/);
          return true;
        });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
