// An Alpine-like root on this Debian machine, to see what npm and the launcher choose on a musl
// host: musl's dynamic loader (Debian's `musl` package) at /lib/ld-musl-x86_64.so.1, Alpine's
// /usr/bin/ldd (the script that asks that loader), and no glibc where programs look for it (no
// /lib64/ld-linux-x86-64.so.2), so a glibc binary cannot start inside, just as on Alpine.
//
// No musl build of Node can run here (bun's musl build needs Alpine's libstdc++, which needs musl
// 1.2.4+ for DT_RELR; Debian 12 has 1.2.3), so the machine's Node runs inside through its own
// glibc, kept out of the standard places under /opt/glibc and started by that loader explicitly.
// npm and the launcher decide musl from the files (loader, ldd) before they would ask Node.
// Entering needs root: a private mount namespace (unshare), /proc and /dev, then chroot.

import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { scratch } from './project.js';

const MUSL_LIBC = '/usr/lib/x86_64-linux-musl/libc.so';
const NPM_DIR = '/usr/lib/node_modules/npm';
/** Alpine's /usr/bin/ldd, as musl's own tree ships it. */
const ALPINE_LDD = '#!/bin/sh\nexec /lib/ld-musl-x86_64.so.1 --list "$@"\n';

export interface MuslRoot {
  dir: string;
  /**
   * Runs Node inside the root (paths are the root's; `cwd` is a host path); npm is at
   * /opt/npm/bin/npm-cli.js. Output is returned exactly, final newline included.
   */
  node(args: string[], options?: { cwd?: string; input?: string }): Promise<{ exitCode: number; stdout: string; stderr: string }>;
}

/** Why this machine cannot make the root, or undefined when it can. */
export function muslRootUnavailable(): string | undefined {
  if (process.arch !== 'x64' || process.platform !== 'linux') return 'needs an x64 Linux host';
  if (process.getuid?.() !== 0) return 'needs root (mount namespace and chroot)';
  if (!existsSync(MUSL_LIBC)) return `no musl loader at ${MUSL_LIBC} (apt-get install -y musl)`;
  return undefined;
}

export async function makeMuslRoot(): Promise<MuslRoot> {
  const dir = scratch('binship-musl-root-');
  for (const sub of ['lib', 'usr/bin', 'opt/glibc', 'opt/npm', 'proc', 'dev', 'tmp', 'home/user', 'etc']) mkdirSync(path.join(dir, sub), { recursive: true });
  copyFileSync(MUSL_LIBC, path.join(dir, 'lib', 'ld-musl-x86_64.so.1'));
  writeFileSync(path.join(dir, 'usr', 'bin', 'ldd'), ALPINE_LDD, { mode: 0o755 });
  // Node's glibc libraries (what ldd lists for it), the loader last.
  const ldd = await execa('ldd', [process.execPath]);
  const libs = [...ldd.stdout.matchAll(/(?:=> )?(\/\S+) \(0x/g)].map((m) => m[1] as string);
  for (const lib of libs) copyFileSync(lib, path.join(dir, 'opt', 'glibc', path.basename(lib)));
  writeFileSync(path.join(dir, 'opt', 'glibc', 'node'), ''); // bind-mount target
  writeFileSync(path.join(dir, 'etc', 'hosts'), '127.0.0.1 localhost\n');
  const loader = `/opt/glibc/${path.basename(libs.find((l) => l.includes('ld-linux')) ?? 'ld-linux-x86-64.so.2')}`;
  const enter = [
    'set -e',
    'root="$1"; shift',
    `mount --bind ${JSON.stringify(process.execPath)} "$root/opt/glibc/node"`,
    `mount --bind ${NPM_DIR} "$root/opt/npm"`,
    'mount -t proc proc "$root/proc"',
    'mount --rbind /dev "$root/dev"',
    `exec chroot "$root" ${loader} --library-path /opt/glibc /opt/glibc/node "$@"`,
  ].join('\n');
  return {
    dir,
    node: async (args, options = {}) => {
      const result = await execa('unshare', ['--mount', '--fork', 'sh', '-c', enter, 'enter', dir, ...args], {
        cwd: options.cwd,
        input: options.input ?? '',
        reject: false,
        stripFinalNewline: false,
        // Nothing of the host's home, npm config or CA bundle paths (which do not exist inside).
        env: {
          HOME: '/home/user',
          PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
          npm_config_cache: '/tmp/npm-cache',
          npm_config_userconfig: '/home/user/.npmrc',
          npm_config_update_notifier: 'false',
        },
        extendEnv: false,
      });
      return { exitCode: result.exitCode ?? 1, stdout: String(result.stdout), stderr: String(result.stderr) };
    },
  };
}
