/**
 * Bounds-checked access to the bytes of a file under inspection.
 *
 * Parsers never index a buffer directly: they ask a ByteSource for a range
 * (checked against the file size and a per-read cap, so a hostile header
 * cannot make us allocate gigabytes) and decode fields through StructView
 * (checked against the range it was given). Every failure is an InspectError
 * that says which structure was being read, so a corrupt file produces a
 * message like "ELF program header 3 (bytes 232..288) lies past the end of the
 * file (200 bytes); truncated?" instead of a RangeError.
 */
import { readSync } from 'node:fs';
import { InspectError } from './errors.js';

/**
 * Largest single read a parser may ask for. The biggest things we read whole
 * are the dynamic string table and Mach-O load commands: kilobytes to a few
 * megabytes in real binaries.
 */
const MAX_READ_BYTES = 64 * 1024 * 1024;

export interface ByteSource {
  readonly size: number;
  /** Exactly `length` bytes at `offset`; `what` names the structure for error messages. */
  read(offset: number, length: number, what: string): Uint8Array;
}

function checkRange(size: number, offset: number, length: number, what: string): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new InspectError(`${what}: invalid file range (offset ${offset}, length ${length})`);
  }
  if (length > MAX_READ_BYTES) {
    throw new InspectError(`${what}: ${length} bytes is over the ${MAX_READ_BYTES}-byte read limit; corrupt header?`);
  }
  if (offset + length > size) {
    throw new InspectError(`${what} (bytes ${offset}..${offset + length}) lies past the end of the file (${size} bytes); truncated?`);
  }
}

export function bufferSource(buf: Uint8Array): ByteSource {
  return {
    size: buf.length,
    read(offset, length, what) {
      checkRange(buf.length, offset, length, what);
      return buf.subarray(offset, offset + length);
    },
  };
}

/**
 * Reads ranges from an open file descriptor, so inspecting a 200 MB binary
 * touches only the few kilobytes of headers it needs. Synchronous on purpose:
 * the parsers are synchronous so that inspectBuffer and inspectFile share one
 * code path, and each read is small.
 */
export function fdSource(fd: number, size: number): ByteSource {
  return {
    size,
    read(offset, length, what) {
      checkRange(size, offset, length, what);
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, out, done, length - done, offset + done);
        if (n === 0) throw new InspectError(`${what}: file ended early (did it change while being read?)`);
        done += n;
      }
      return out;
    },
  };
}

/** A window [offset, offset+size) of another source, e.g. one slice of a fat Mach-O. */
export function subSource(src: ByteSource, offset: number, size: number, what: string): ByteSource {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size) || offset < 0 || size < 0 || offset + size > src.size) {
    throw new InspectError(`${what} (bytes ${offset}..${offset + size}) lies past the end of the file (${src.size} bytes); truncated?`);
  }
  return {
    size,
    read(o, length, w) {
      checkRange(size, o, length, w);
      return src.read(offset + o, length, w);
    },
  };
}

/** Fixed-layout fields of one structure, decoded with bounds checks. */
export class StructView {
  private readonly dv: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly littleEndian: boolean,
    readonly what: string,
  ) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  private check(off: number, n: number): void {
    if (!Number.isSafeInteger(off) || off < 0 || off + n > this.bytes.length) {
      throw new InspectError(`${this.what}: field at +${off} is outside the ${this.bytes.length}-byte structure`);
    }
  }

  u8(off: number): number {
    this.check(off, 1);
    return this.dv.getUint8(off);
  }

  u16(off: number): number {
    this.check(off, 2);
    return this.dv.getUint16(off, this.littleEndian);
  }

  u32(off: number): number {
    this.check(off, 4);
    return this.dv.getUint32(off, this.littleEndian);
  }

  /** A 64-bit offset/size/address as a number; values past 2^53 cannot be real file positions. */
  u64(off: number): number {
    this.check(off, 8);
    const v = this.dv.getBigUint64(off, this.littleEndian);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new InspectError(`${this.what}: 64-bit value 0x${v.toString(16)} at +${off} is implausibly large`);
    }
    return Number(v);
  }

  /** u64 when `wide`, else u32: ELF and Mach-O fields whose width follows the file class. */
  word(off: number, wide: boolean): number {
    return wide ? this.u64(off) : this.u32(off);
  }
}

export function readStruct(src: ByteSource, offset: number, length: number, littleEndian: boolean, what: string): StructView {
  return new StructView(src.read(offset, length, what), littleEndian, what);
}

const utf8 = new TextDecoder('utf-8');

/**
 * The NUL-terminated string at `off` inside `table`. Refuses strings that run
 * off the end of the table or past `maxLength` (library names and interpreter
 * paths are short; a missing terminator means a corrupt offset).
 */
export function cString(table: Uint8Array, off: number, maxLength: number, what: string): string {
  if (!Number.isSafeInteger(off) || off < 0 || off >= table.length) {
    throw new InspectError(`${what}: string offset ${off} is outside its ${table.length}-byte string table`);
  }
  const limit = Math.min(table.length, off + maxLength + 1);
  // Search only up to the limit, so many lookups in a huge table stay cheap.
  const rel = table.subarray(off, limit).indexOf(0);
  const end = off + rel;
  if (rel === -1) {
    throw new InspectError(`${what}: string at offset ${off} is not NUL-terminated within ${maxLength} bytes`);
  }
  return utf8.decode(table.subarray(off, end));
}
