/**
 * Identifies native executables (ELF, Mach-O, PE) well enough to refuse a
 * binary whose format, CPU or libc does not match the package it is about to
 * be published in.
 *
 * Every problem with the input surfaces as an InspectError; parsers read only
 * the header ranges they need, each bounds-checked and size-capped (see
 * reader.ts), so a hostile file cannot crash, hang or exhaust memory.
 */
import { open, stat } from 'node:fs/promises';
import { parseElf } from './elf.js';
import { InspectError } from './errors.js';
import { isMachOMagic, parseMachO } from './macho.js';
import { parsePe } from './pe.js';
import { type ByteSource, bufferSource, fdSource } from './reader.js';
import type { BinaryInfo, InspectOptions } from './types.js';

export { InspectError } from './errors.js';
export { compareGlibc } from './glibc.js';
export type { BinaryInfo, InspectOptions, MachOInfo } from './types.js';

/** Inspects any byte source; inspectBuffer and inspectFile are thin wrappers. */
export function inspectSource(src: ByteSource, options: InspectOptions = {}): BinaryInfo {
  const head = src.read(0, Math.min(src.size, 512), 'file start');
  if (head.length >= 4) {
    if (head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46) return parseElf(src);
    const firstWordBE = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
    if (isMachOMagic(firstWordBE)) return parseMachO(src, options);
  }
  if (head.length >= 2 && head[0] === 0x4d && head[1] === 0x5a) return parsePe(src); // "MZ"
  throw new InspectError(`not a native executable: ${describeNonNative(head)}`);
}

export function inspectBuffer(buf: Uint8Array, options: InspectOptions = {}): BinaryInfo {
  return inspectSource(bufferSource(buf), options);
}

export async function inspectFile(path: string, options: InspectOptions = {}): Promise<BinaryInfo> {
  try {
    // stat first: opening a FIFO for reading would block until a writer shows up.
    const st = await stat(path);
    if (!st.isFile()) throw new InspectError('not a regular file');
    const handle = await open(path, 'r');
    try {
      return inspectSource(fdSource(handle.fd, st.size), options);
    } finally {
      await handle.close();
    }
  } catch (err) {
    const reason = err instanceof InspectError ? err.message : `cannot read: ${(err as Error).message}`;
    throw new InspectError(`${path}: ${reason}`, { cause: err });
  }
}

const OTHER_MAGICS: [bytes: number[], name: string][] = [
  [[0x1f, 0x8b], 'gzip data'],
  [[0x50, 0x4b, 0x03, 0x04], 'zip archive'],
  [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'xz data'],
  [[0x00, 0x61, 0x73, 0x6d], 'WebAssembly module'],
  [[0x21, 0x3c, 0x61, 0x72, 0x63, 0x68, 0x3e, 0x0a], 'ar archive (a static library?)'],
];

/** A short human description of a file that is no executable, for the error message. */
function describeNonNative(head: Uint8Array): string {
  if (head.length === 0) return 'empty file';
  if (head[0] === 0x23 && head[1] === 0x21) {
    const line = new TextDecoder().decode(head.subarray(0, 80)).split('\n')[0] ?? '';
    return `script (${line})`;
  }
  for (const [bytes, name] of OTHER_MAGICS) {
    if (head.length >= bytes.length && bytes.every((b, i) => head[i] === b)) return name;
  }
  // Tab, LF, CR and printable ASCII / UTF-8 bytes only.
  if (head.every((b) => b === 9 || b === 10 || b === 13 || b >= 0x20) && !head.includes(0x7f)) return 'text file';
  const hexBytes = Array.from(head.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `unrecognized file type (starts with ${hexBytes})`;
}
