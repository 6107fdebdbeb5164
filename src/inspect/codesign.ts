/**
 * The embedded code signature of one Mach-O image (what LC_CODE_SIGNATURE points at): an
 * Apple "SuperBlob" holding one or more code directories (SHA-1 and/or SHA-256 hashes of every
 * code page), requirements, entitlements and, for a signature with an identity, a CMS blob.
 * All of it is big-endian, whatever the image's byte order.
 *
 * Besides what kind of signature it is, the code pages can be hashed again and compared (only
 * on request: it reads the whole image): a binary changed after signing (stripped, patched)
 * still carries a signature, but macOS kills it.
 */
import { createHash } from 'node:crypto';
import { InspectError } from './errors.js';
import { type ByteSource, StructView } from './reader.js';
import { hex, type MachOSignature } from './types.js';

const CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0;
const CSMAGIC_CODEDIRECTORY = 0xfade0c02;
const CSMAGIC_BLOBWRAPPER = 0xfade0b01;
const CSSLOT_CODEDIRECTORY = 0;
/** Alternate code directories (e.g. SHA-256 beside a SHA-1 primary) use slots 0x1000..0x1004. */
const CSSLOT_ALTERNATE_CODEDIRECTORIES = 0x1000;
const CSSLOT_SIGNATURESLOT = 0x10000;
const CS_ADHOC = 0x2;
const CS_LINKER_SIGNED = 0x20000;

/** Hash algorithms by the code directory's hashType. */
const HASHES: Record<number, { algorithm: string; size: number }> = {
  1: { algorithm: 'sha1', size: 20 },
  2: { algorithm: 'sha256', size: 32 },
  3: { algorithm: 'sha256', size: 20 }, // SHA-256 truncated to 20 bytes
  4: { algorithm: 'sha384', size: 48 },
};

/** Blob index entries a real signature has: a handful. Bounds the loop on a corrupt count. */
const MAX_BLOBS = 64;
/** Signatures are kilobytes to a few megabytes (one hash per 4 KiB page). */
const MAX_SIGNATURE_BYTES = 16 * 1024 * 1024;

export function readCodeSignature(src: ByteSource, offset: number, size: number, what: string, hashPages: boolean): MachOSignature {
  const where = `${what} code signature (LC_CODE_SIGNATURE)`;
  if (size < 12 || size > MAX_SIGNATURE_BYTES) throw new InspectError(`${where}: size ${size} is implausible; corrupt`);
  const blob = src.read(offset, size, where);
  const superBlob = new StructView(blob, false, where);
  if (superBlob.u32(0) !== CSMAGIC_EMBEDDED_SIGNATURE) {
    throw new InspectError(`${where}: not an embedded signature (magic ${hex(superBlob.u32(0))}); corrupt`);
  }
  const count = superBlob.u32(8);
  if (count > MAX_BLOBS) throw new InspectError(`${where}: claims ${count} blobs (limit ${MAX_BLOBS}); corrupt`);
  const directories: StructView[] = [];
  let hasIdentity = false;
  for (let i = 0; i < count; i++) {
    const type = superBlob.u32(12 + i * 8);
    const blobOffset = superBlob.u32(16 + i * 8);
    const blobWhat = `${where} blob ${i} (slot ${hex(type)})`;
    const head = readBlob(blob, blobOffset, 8, blobWhat);
    const magic = head.u32(0);
    const body = readBlob(blob, blobOffset, head.u32(4), blobWhat);
    if (type === CSSLOT_CODEDIRECTORY || (type >= CSSLOT_ALTERNATE_CODEDIRECTORIES && type < CSSLOT_ALTERNATE_CODEDIRECTORIES + 5)) {
      if (magic !== CSMAGIC_CODEDIRECTORY) throw new InspectError(`${blobWhat}: not a code directory (magic ${hex(magic)}); corrupt`);
      directories.push(body);
    } else if (type === CSSLOT_SIGNATURESLOT) {
      // Ad hoc signatures carry an empty wrapper; one with an identity carries the CMS data.
      hasIdentity = magic === CSMAGIC_BLOBWRAPPER && body.length > 8;
    }
  }
  const primary = directories[0];
  if (!primary) throw new InspectError(`${where}: has no code directory; corrupt`);
  const flags = primary.u32(12);
  const signature: MachOSignature = {
    kind: (flags & CS_ADHOC) !== 0 || !hasIdentity ? 'adhoc' : 'certificate',
    linkerSigned: (flags & CS_LINKER_SIGNED) !== 0,
    identifier: identifier(primary),
  };
  if (hashPages) signature.pagesMatch = directories.every((cd) => pagesMatch(src, cd));
  return signature;
}

function readBlob(blob: Uint8Array, offset: number, length: number, what: string): StructView {
  if (length < 8 || offset + length > blob.length) {
    throw new InspectError(`${what}: bytes ${offset}..${offset + length} lie outside the ${blob.length}-byte signature; corrupt`);
  }
  return new StructView(blob.subarray(offset, offset + length), false, what);
}

function identifier(cd: StructView): string {
  const start = cd.u32(20);
  const end = cd.bytes.indexOf(0, start);
  if (start >= cd.length || end === -1) throw new InspectError(`${cd.what}: identifier is not a string inside the code directory; corrupt`);
  return new TextDecoder().decode(cd.bytes.subarray(start, end));
}

/** Hashes every code page of the image again and compares with the code directory's slots. */
function pagesMatch(src: ByteSource, cd: StructView): boolean {
  const hashOffset = cd.u32(16);
  const codeSlots = cd.u32(28);
  const codeLimit = cd.u32(32);
  const hashSize = cd.u8(36);
  const hash = HASHES[cd.u8(37)];
  const pageShift = cd.u8(39);
  if (!hash || hash.size !== hashSize) throw new InspectError(`${cd.what}: unknown hash type ${cd.u8(37)} (size ${hashSize})`);
  // 64-bit codeLimit (version >= 0x20300) only matters past 4 GiB: no binary binship ships.
  if (codeLimit > src.size) return false;
  const pageSize = pageShift === 0 ? codeLimit : 2 ** pageShift;
  if (pageShift > 24 || Math.ceil(codeLimit / pageSize) !== codeSlots) {
    throw new InspectError(`${cd.what}: ${codeSlots} page hashes for ${codeLimit} bytes in ${pageSize}-byte pages; corrupt`);
  }
  for (let slot = 0; slot < codeSlots; slot++) {
    const start = slot * pageSize;
    const page = src.read(start, Math.min(pageSize, codeLimit - start), `${cd.what} code page ${slot}`);
    const actual = createHash(hash.algorithm).update(page).digest().subarray(0, hashSize);
    const recordedAt = hashOffset + slot * hashSize;
    if (recordedAt + hashSize > cd.length) throw new InspectError(`${cd.what}: page hash ${slot} lies outside the code directory; corrupt`);
    if (!actual.equals(cd.bytes.subarray(recordedAt, recordedAt + hashSize))) return false;
  }
  return true;
}
