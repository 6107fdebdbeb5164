/**
 * PE/COFF images (Windows .exe/.dll): machine, bitness (PE32 vs PE32+),
 * subsystem and the DLL flag. Section raw data is checked against the file
 * size so a truncated download is refused.
 */
import { InspectError } from './errors.js';
import { type ByteSource, readStruct } from './reader.js';
import { type BinaryInfo, hex, type PeInfo, unknownCpu } from './types.js';

const PE_SIGNATURE = 0x00004550; // "PE\0\0" read little-endian
const OPTIONAL_MAGIC_PE32 = 0x10b;
const OPTIONAL_MAGIC_PE32_PLUS = 0x20b;
const IMAGE_FILE_DLL = 0x2000;
/** The PE loader's own limit on sections. */
const MAX_SECTIONS = 96;
/** Subsystem is a u16 at this offset in both PE32 and PE32+ optional headers. */
const SUBSYSTEM_OFFSET = 68;

const MACHINES: Record<number, string> = {
  0x14c: 'ia32',
  0x8664: 'x64',
  0xaa64: 'arm64',
  0x1c0: 'arm',
  0x1c2: 'arm', // Thumb
  0x1c4: 'arm', // ARMv7 Thumb-2 (ARMNT)
  0xa641: 'arm64ec',
  0x5064: 'riscv64',
  0x6264: 'loong64',
};

const SUBSYSTEMS: Record<number, string> = {
  1: 'native',
  2: 'gui',
  3: 'console',
  5: 'os2_console',
  7: 'posix_console',
  9: 'windows_ce_gui',
  10: 'efi_application',
  11: 'efi_boot_service_driver',
  12: 'efi_runtime_driver',
  13: 'efi_rom',
  14: 'xbox',
  16: 'windows_boot_application',
};

export function parsePe(src: ByteSource): BinaryInfo {
  const dos = readStruct(src, 0, 64, true, 'DOS (MZ) header');
  const peOffset = dos.u32(0x3c);
  const sig = readStruct(src, peOffset, 24, true, `PE signature and COFF header at ${hex(peOffset)}`);
  if (sig.u32(0) !== PE_SIGNATURE) {
    throw new InspectError(`not a native executable: MZ file without a PE header (a DOS program, or corrupt e_lfanew ${hex(peOffset)})`);
  }
  const machine = sig.u16(4);
  const sectionCount = sig.u16(6);
  const optionalSize = sig.u16(20);
  const characteristics = sig.u16(22);
  if (optionalSize < SUBSYSTEM_OFFSET + 2) {
    throw new InspectError(`PE optional header is ${optionalSize} bytes, too small for an image (a COFF object file?)`);
  }
  const optionalOffset = peOffset + 24;
  const opt = readStruct(src, optionalOffset, optionalSize, true, 'PE optional header');
  const magic = opt.u16(0);
  if (magic !== OPTIONAL_MAGIC_PE32 && magic !== OPTIONAL_MAGIC_PE32_PLUS) {
    throw new InspectError(`PE optional header has unknown magic ${hex(magic)}`);
  }
  const subsystem = opt.u16(SUBSYSTEM_OFFSET);

  if (sectionCount > MAX_SECTIONS) throw new InspectError(`PE claims ${sectionCount} sections (limit ${MAX_SECTIONS})`);
  const sections = readStruct(src, optionalOffset + optionalSize, sectionCount * 40, true, 'PE section table');
  for (let i = 0; i < sectionCount; i++) {
    const rawSize = sections.u32(i * 40 + 16);
    const rawOffset = sections.u32(i * 40 + 20);
    if (rawSize > 0 && rawOffset + rawSize > src.size) {
      throw new InspectError(`PE section ${i} data (bytes ${rawOffset}..${rawOffset + rawSize}) lies past the end of the file (${src.size} bytes); truncated?`);
    }
  }

  const pe: PeInfo = {
    machine,
    subsystem: SUBSYSTEMS[subsystem] ?? `unknown(${hex(subsystem)})`,
    dll: (characteristics & IMAGE_FILE_DLL) !== 0,
  };
  return {
    format: 'pe',
    cpu: MACHINES[machine] ?? unknownCpu(machine),
    bits: magic === OPTIONAL_MAGIC_PE32_PLUS ? 64 : 32,
    endian: 'little',
    pe,
  };
}
