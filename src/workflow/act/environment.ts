// The machine a rehearsal's jobs see. act in host mode runs every step on this machine, so the
// rehearsal gives it a world of its own below one work directory and leaves the host as it was:
//   home/                HOME (npm's cache, git's config, anything a tool writes to ~)
//   rustup/, cargo/      RUSTUP_HOME and CARGO_HOME: the workflow's exact toolchain is linked in
//                        from this machine's rustup (rust-toolchain may change the default
//                        toolchain, rust-cache prunes the Cargo registry: both stay in here);
//                        a workflow without Rust (binship's own release) gets none
//   stand-ins/bin/       first on PATH: the rustup and gh stand-ins (./stand-ins.ts) and rustup's
//                        proxies (cargo, rustc, ...) bound to the rehearsal's RUSTUP_HOME
//   action-cache/tool_cache/node/<version>/x64/
//                        Node.js and its npm, laid out like nodejs.org's build, for
//                        actions/setup-node to find ("Found in cache") instead of downloading
// Only the variables named here reach the jobs: act copies its own environment into every job.

import { cpSync, existsSync, linkSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import semver from 'semver';
import { StepError } from '../../errors.js';
import { which } from '../../host.js';
import { ensureTool, toolVersion } from '../../rehearsal/tools.js';
import { type StandIns, writeStandIns } from './stand-ins.js';

/** Set in every job of a rehearsal; `binship publish` reads it (./provenance.ts). */
export const REHEARSAL_ENV = 'BINSHIP_WORKFLOW_REHEARSAL';

export interface ActEnvironment {
  /** The whole environment act runs with (and passes on to every job). */
  env: Record<string, string>;
  /** act's --action-cache-path; holds the tool cache. */
  actionCache: string;
  standIns: StandIns;
  /** The Node.js version in the tool cache. */
  nodeVersion: string;
}

export interface EnvironmentOptions {
  workDir: string;
  /** The Rust toolchain the workflow installs, e.g. `1.95.0`; none for a workflow without Rust. */
  toolchain?: string;
  /** The workflow's `node-version` (setup-node), e.g. `24`. */
  nodeVersion: string;
  /** Where the gh stand-in copies a release. */
  releaseOut: string;
  onFetch?: (message: string) => void;
}

export async function prepareActEnvironment(options: EnvironmentOptions): Promise<ActEnvironment> {
  const dir = (name: string): string => {
    const full = path.join(options.workDir, name);
    mkdirSync(full, { recursive: true });
    return full;
  };
  const rustupHome = dir('rustup');
  const realRustup = options.toolchain === undefined ? undefined : await linkToolchain(options.toolchain, rustupHome);
  const standIns = writeStandIns(dir('stand-ins'), { realRustup, releaseOut: options.releaseOut });
  if (realRustup) {
    for (const proxy of ['cargo', 'rustc', 'rustdoc', 'rust-gdb', 'rust-lldb', 'cargo-clippy', 'clippy-driver', 'rustfmt', 'cargo-fmt']) {
      symlinkSync(realRustup, path.join(standIns.binDir, proxy));
    }
  }
  const actionCache = dir('action-cache');
  const nodeVersion = await seedNode(path.join(actionCache, 'tool_cache'), options.nodeVersion, options.onFetch);
  const env: Record<string, string> = {
    PATH: [standIns.binDir, ...hostPath()].join(path.delimiter),
    HOME: dir('home'),
    TMPDIR: dir('tmp'),
    LANG: 'C.UTF-8',
    SHELL: '/bin/bash',
    USER: process.env.USER ?? 'root',
    RUSTUP_HOME: rustupHome,
    CARGO_HOME: dir('cargo'),
    ACT_DISABLE_VERSION_CHECK: '1',
    // npm keeps the log of every run (default: the last 10), each naming npm's version: a
    // rehearsal can tell which npm did what.
    npm_config_logs_max: '10000',
    [REHEARSAL_ENV]: '1',
  };
  return { env, actionCache, standIns, nodeVersion };
}

/**
 * PATH without the user's Cargo and rustup directories (the rehearsal's rustup comes first) and
 * without anything relative.
 */
function hostPath(): string[] {
  const cargoBin = path.join(process.env.CARGO_HOME ?? path.join(process.env.HOME ?? '/root', '.cargo'), 'bin');
  return (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin')
    .split(path.delimiter)
    .filter((p) => path.isAbsolute(p) && path.resolve(p) !== path.resolve(cargoBin));
}

/**
 * Links this machine's `toolchain` into the rehearsal's RUSTUP_HOME under the name rustup gives
 * it (`1.95.0-x86_64-unknown-linux-gnu`), whatever it is called here (e.g. a link to stable).
 * Returns the real rustup binary.
 */
async function linkToolchain(toolchain: string, rustupHome: string): Promise<string> {
  const found = which('rustup');
  if (!found) throw new StepError("rustup is not on PATH: the rehearsal links the workflow's Rust toolchain in from rustup; install it (https://rustup.rs)");
  const rustup = realpathSync(found);
  const [sysroot, info] = await Promise.all([
    execa(rustup, ['run', toolchain, 'rustc', '--print', 'sysroot'], { reject: false }),
    execa(rustup, ['run', toolchain, 'rustc', '-vV'], { reject: false }),
  ]);
  const host = /^host: (\S+)$/m.exec(info.stdout)?.[1];
  if (sysroot.failed || info.failed || !sysroot.stdout.trim() || !host) {
    throw new StepError(`Rust ${toolchain} is not installed here: the rehearsal cannot download it; run rustup toolchain install ${toolchain}`);
  }
  const toolchains = path.join(rustupHome, 'toolchains');
  mkdirSync(toolchains, { recursive: true });
  const name = toolchain.endsWith(host) ? toolchain : `${toolchain}-${host}`;
  symlinkSync(realpathSync(sysroot.stdout.trim()), path.join(toolchains, name));
  return rustup;
}

/**
 * Node.js and the npm it ships with, in the tool-cache layout actions/setup-node looks for:
 * `node/<version>/x64/{bin,lib/node_modules/npm}` and the `x64.complete` marker. Every run gets
 * its own copy: a job's `npm install --global` writes into it.
 */
async function seedNode(toolCache: string, wanted: string, onFetch?: (message: string) => void): Promise<string> {
  const version = toolVersion('node24');
  if (!semver.satisfies(version, wanted)) {
    throw new StepError(`the workflow asks for Node.js ${wanted}; the rehearsal has ${version} (src/rehearsal/tools.ts): add that Node.js there`);
  }
  const node = await ensureTool('node24', onFetch);
  const npm = path.dirname(path.dirname(await ensureTool('npm11', onFetch)));
  const arch = process.arch === 'arm64' ? 'arm64' : 'x64';
  const root = path.join(toolCache, 'node', version, arch);
  mkdirSync(path.join(root, 'bin'), { recursive: true });
  mkdirSync(path.join(root, 'lib', 'node_modules'), { recursive: true });
  // The Node.js binary is never written to: a hard link spares copying 100 MB per run.
  try {
    linkSync(realpathSync(node), path.join(root, 'bin', 'node'));
  } catch {
    cpSync(realpathSync(node), path.join(root, 'bin', 'node'));
  }
  cpSync(npm, path.join(root, 'lib', 'node_modules', 'npm'), { recursive: true });
  symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', path.join(root, 'bin', 'npm'));
  symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', path.join(root, 'bin', 'npx'));
  writeFileSync(path.join(toolCache, 'node', version, `${arch}.complete`), '');
  if (!existsSync(path.join(root, 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'))) {
    throw new StepError(`npm ${toolVersion('npm11')} has no bin/npm-cli.js; the rehearsal's tool table is wrong`);
  }
  return version;
}
