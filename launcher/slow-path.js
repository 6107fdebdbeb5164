// The launcher's slow path, shipped by binship as lib/launcher-slow-path.js next to the
// launcher (bin/<name>), which loads it only when a start needs more than finding and
// running a binary it has verified before: hashing the binary, first-run promotion,
// checking an override binary, and error messages. Keeping this out of the launcher
// keeps Node's parse of it off every start.
// Plain JavaScript, no dependencies, Node >= 18.
'use strict';

const path = require('node:path');
const fs = require('node:fs');

// How long a promoting run waits for other launcher runs that are still starting.
const STARTING_WAIT_MS = 2000;

// ---------------------------------------------------------------------------
// Checking the platform binary against the spec
// ---------------------------------------------------------------------------

function sha256(bytes) {
  return require('node:crypto').createHash('sha256').update(bytes).digest('hex');
}

/**
 * Null if `found.file` is the binary its spec entry names (size and SHA-256),
 * else why not: 'missing', 'size' or 'content'. A match is remembered in the
 * `stamp` next to the binary (the launcher's stampOf): the hash plus the file's
 * device, inode, size, mtime and ctime. Any change to the file (a write, a
 * truncation, a rename over it, a chmod, a new hard link) moves its ctime, which
 * no one can set back, so a stamp vouches only for the exact file it was written
 * for. Loading node:crypto and hashing takes milliseconds, more than a start may
 * cost; with the stamp it is paid once per installed file. Where the stamp cannot
 * be written (read-only, another user's install), every start hashes.
 */
function checkBinary(found, stamp) {
  const expected = found.platform;
  let stat;
  try {
    stat = fs.statSync(found.file, { bigint: true });
  } catch (_) {
    return 'missing';
  }
  if (!stat.isFile()) return 'missing';
  if (Number(stat.size) !== expected.size) return 'size';
  let bytes;
  try {
    bytes = fs.readFileSync(found.file);
  } catch (_) {
    return 'missing';
  }
  if (sha256(bytes) !== expected.sha256) return 'content';
  writeFileAtomically(stamp.file, (temp) => fs.writeFileSync(temp, stamp.text(stat), { flag: 'wx' }));
  return null;
}

/**
 * Writes `target` by filling a temporary file next to it and renaming it over
 * `target`: readers see the old file or the new one, never a partial one, and a
 * file that other paths hard-link to (pnpm's and bun's content stores) is never
 * written into. `fill(temp)` may return false to abandon. Best effort: returns
 * true if `target` was replaced.
 */
function writeFileAtomically(target, fill) {
  const dir = path.dirname(target);
  const prefix = `.${path.basename(target)}.`;
  removeAbandonedTemps(dir, prefix);
  const temp = path.join(dir, `${prefix}${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`);
  try {
    if (fill(temp) === false) return false;
    fs.renameSync(temp, target);
    return true;
  } catch (_) {
    return false;
  } finally {
    try {
      fs.unlinkSync(temp);
    } catch (_) {
      // Renamed into place, or never created.
    }
  }
}

/** Temporary files of runs that died before renaming them (their pid is gone). */
function removeAbandonedTemps(dir, prefix) {
  let names;
  try {
    names = fs.readdirSync(dir);
  } catch (_) {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (!(pid > 0) || isAlive(pid)) continue;
    try {
      fs.unlinkSync(path.join(dir, name));
    } catch (_) {
      // Someone else cleaned it up.
    }
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

// ---------------------------------------------------------------------------
// First-run promotion
// ---------------------------------------------------------------------------

/**
 * Puts a verified copy of the native binary where the launcher `self` is, so
 * later starts skip Node: copy to a temporary file in the same directory, check
 * the copy's size and SHA-256, make it executable (and check it can be executed
 * there: not a noexec mount), wait for other runs still starting, then rename it
 * over `self`. Returns true once `self` holds the binary, false if nothing was
 * changed (the caller then runs the binary the launcher way). Silent either way.
 *
 * When (the launcher's promotionTarget): replacing the launcher is only safe
 * where everything that will ever run it execs the file itself rather than
 * `node <file>`. That holds for the symlinks npm (local, global, npx), bun
 * (local, global) and Yarn's node-modules linker make, and their runners exec a
 * native bin directly. pnpm runs bins through shell shims that call
 * `node <file>`, Windows through .cmd and .ps1 shims, Deno and Yarn PnP through
 * their own runtimes. So promotion needs
 *   - Linux: only there can a promoting run see runs still starting (below);
 *   - Node's own runtime (not bun's or Deno's, not Yarn PnP), no opt-out;
 *   - a start through a symlink to the file that a package manager made for
 *     this package: <node_modules>/.bin/<name> for the node_modules holding it,
 *     <prefix>/bin/<name> for <prefix>/lib/node_modules (npm -g), or
 *     <root>/bin/<name> for <root>/install/global/node_modules (bun -g). A
 *     symlink made elsewhere, a package linked from a source tree, or a store
 *     layout (pnpm's .pnpm and global store, Deno's .deno) does not count;
 *   - the file and its directory to belong to this user, and the directory to
 *     be writable: no read-only installs, no root writing into a user's install.
 */
function promote(spec, found, self) {
  return writeFileAtomically(self, (temp) => {
    fs.copyFileSync(found.file, temp, fs.constants.COPYFILE_EXCL | fs.constants.COPYFILE_FICLONE);
    fs.chmodSync(temp, 0o755);
    const copy = fs.readFileSync(temp);
    if (copy.length !== found.platform.size || sha256(copy) !== found.platform.sha256) return false;
    fs.accessSync(temp, fs.constants.X_OK);
    // Last, right before the rename: another run may have promoted meanwhile,
    // and runs still starting must be let through first.
    return isScript(self) && waitForStartingLaunchers(spec, self);
  });
}

/** True if `file` starts with `#!` (still the launcher, not the binary). */
function isScript(file) {
  const head = Buffer.alloc(2);
  let fd;
  try {
    fd = fs.openSync(file, 'r');
    return fs.readSync(fd, head, 0, 2, 0) === 2 && head.toString('latin1') === '#!';
  } catch (_) {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * A run of the launcher that has been started (its command line names the
 * file) but that Node has not yet read the file for would read the binary as
 * JavaScript if it were renamed over the file now, and fail. Every launcher run
 * on Linux holds a descriptor on its file from its first act (holdOwnFile), so a
 * process that names the file and holds none is still starting: wait for it,
 * then return true at once, so the caller renames right away. A full scan of
 * /proc is followed by a quick one over the processes that appeared during it.
 * Returns false (do not promote now) if /proc cannot tell, or if some run is
 * still starting after STARTING_WAIT_MS (say, a stopped one).
 */
function waitForStartingLaunchers(spec, self) {
  const deadline = Date.now() + STARTING_WAIT_MS;
  let seen = null;
  for (;;) {
    const scan = startingLaunchers(spec, self, seen);
    if (!scan) return false;
    if (scan.starting === 0) {
      if (seen) return true;
      seen = scan.pids;
      continue;
    }
    seen = null;
    if (Date.now() > deadline) return false;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  }
}

function startingLaunchers(spec, self, skip) {
  let entries;
  try {
    entries = fs.readdirSync('/proc');
  } catch (_) {
    return null;
  }
  const pids = new Set();
  let starting = 0;
  for (const pid of entries) {
    if (!/^\d+$/.test(pid)) continue;
    pids.add(pid);
    if (Number(pid) === process.pid || skip?.has(pid)) continue;
    if (commandNames(pid, spec.binaryName, self) && !holdsFile(pid, self)) starting++;
  }
  return { pids, starting };
}

/** True if process `pid` has `self` among its arguments (by real path; if it cannot tell: true). */
function commandNames(pid, name, self) {
  let cmdline;
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1');
  } catch (_) {
    return false; // gone
  }
  if (!cmdline.includes(name)) return false;
  return cmdline.split('\0').some((arg) => {
    if (path.basename(arg) !== name) return false;
    try {
      const file = path.isAbsolute(arg) ? arg : path.join(fs.readlinkSync(`/proc/${pid}/cwd`), arg);
      return fs.realpathSync(file) === self;
    } catch (err) {
      return err.code !== 'ENOENT';
    }
  });
}

function holdsFile(pid, self) {
  const dir = `/proc/${pid}/fd`;
  try {
    return fs.readdirSync(dir).some((fd) => {
      try {
        const target = fs.readlinkSync(`${dir}/${fd}`);
        return target === self || target === `${self} (deleted)`;
      } catch (_) {
        return false;
      }
    });
  } catch (_) {
    return false;
  }
}

// ---------------------------------------------------------------------------
// What a file is: for the override, and for saying what is wrong with a binary
// ---------------------------------------------------------------------------

const ELF_CPUS = { 3: 'ia32', 8: 'mips', 20: 'ppc', 21: 'ppc64', 22: 's390x', 40: 'arm', 62: 'x64', 183: 'arm64', 243: 'riscv64', 258: 'loong64' };
const MACHO_CPUS = { 7: 'ia32', 12: 'arm', 0x01000007: 'x64', 0x0100000c: 'arm64' };
const PE_CPUS = { 0x14c: 'ia32', 0x1c4: 'arm', 0x8664: 'x64', 0xaa64: 'arm64' };
const NATIVE_FORMAT = { darwin: 'Mach-O', win32: 'PE' }; // everywhere else: ELF
// The second line of every launcher binship renders (launcher/launcher.js).
const LAUNCHER_MARK = '// Launcher generated by binship ';

/**
 * { size, format: 'script' | 'ELF' | 'Mach-O' | 'PE' | null, cpus: [...], truncated, launcher }
 * from the file's header (ELF: also whether its loadable segments fit in the file; a
 * script: whether it is a launcher binship rendered).
 */
function inspectFile(file) {
  let fd;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(size, 4096));
    fs.readSync(fd, head, 0, head.length, 0);
    const info = { size, format: null, cpus: [], truncated: false, launcher: false };
    if (head.toString('latin1', 0, 2) === '#!') {
      info.format = 'script';
      info.launcher = (head.toString('latin1').split('\n', 2)[1] || '').startsWith(LAUNCHER_MARK);
    } else if (head.toString('latin1', 0, 4) === '\x7fELF') inspectElf(fd, head, info);
    else if (head.length >= 8 && [0xfeedface, 0xfeedfacf].includes(head.readUInt32LE(0))) {
      info.format = 'Mach-O';
      info.cpus = [cpuName(MACHO_CPUS, head.readUInt32LE(4))];
    } else if (head.length >= 8 && head.readUInt32BE(0) === 0xcafebabe) {
      info.format = 'Mach-O'; // universal: one slice per CPU
      for (let i = 0, n = head.readUInt32BE(4); i < n && 12 + i * 20 <= head.length; i++) info.cpus.push(cpuName(MACHO_CPUS, head.readUInt32BE(8 + i * 20)));
    } else if (head.toString('latin1', 0, 2) === 'MZ' && head.length >= 64) {
      const pe = head.readUInt32LE(60);
      if (pe + 6 <= head.length && head.toString('latin1', pe, pe + 4) === 'PE\0\0') {
        info.format = 'PE';
        info.cpus = [cpuName(PE_CPUS, head.readUInt16LE(pe + 4))];
      }
    }
    return info;
  } catch (_) {
    return null;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function cpuName(names, value) {
  return names[value] || `machine 0x${value.toString(16)}`;
}

function inspectElf(fd, head, info) {
  info.format = 'ELF';
  const is64 = head[4] === 2;
  const le = head[5] === 1;
  if (head.length < (is64 ? 64 : 52)) {
    info.truncated = true;
    return;
  }
  const u16 = (b, o) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (b, o) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const word = is64 ? (b, o) => Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o)) : u32;
  info.cpus = [cpuName(ELF_CPUS, u16(head, 18))];
  const tableOffset = word(head, is64 ? 32 : 28);
  const entrySize = u16(head, is64 ? 54 : 42);
  const entries = u16(head, is64 ? 56 : 44);
  if (tableOffset + entrySize * entries > info.size) {
    info.truncated = true;
    return;
  }
  const table = Buffer.alloc(entrySize * entries);
  fs.readSync(fd, table, 0, table.length, tableOffset);
  for (let i = 0; i < entries; i++) {
    const o = i * entrySize;
    if (u32(table, o) !== 1) continue; // PT_LOAD
    if (word(table, o + (is64 ? 8 : 4)) + word(table, o + (is64 ? 32 : 16)) > info.size) info.truncated = true;
  }
}

/** 'an ELF binary for arm64' */
function describeFile(info) {
  return `a${info.format === 'ELF' ? 'n ' : ' '}${info.format} binary for ${info.cpus.join(' + ')}`;
}

function runsHere(info) {
  return info.format === (NATIVE_FORMAT[process.platform] || 'ELF') && info.cpus.includes(process.arch);
}

/**
 * Why the user's override file cannot run here ('missing', 'not-file',
 * 'not-executable', 'launcher', 'empty', 'truncated', 'unknown' or 'foreign:<description>'),
 * or null. Without the format check an empty or foreign file would go to the
 * shell through exec's ENOEXEC fallback (an empty file "succeeds" silently).
 * binfmt_misc handlers (qemu, Wine) may run foreign formats, so with any
 * registered, only empty and truncated files are refused.
 */
function overrideProblem(file) {
  let stat;
  try {
    stat = fs.statSync(file);
  } catch (_) {
    return 'missing';
  }
  if (!stat.isFile()) return 'not-file';
  if (process.platform === 'win32') return null; // CreateProcess reports bad files itself
  try {
    fs.accessSync(file, fs.constants.X_OK);
  } catch (_) {
    return 'not-executable';
  }
  const info = inspectFile(file);
  // The command itself (`$(which <command>)`): it would start itself again, without end.
  if (info?.launcher) return 'launcher';
  if (!info || info.format === 'script') return null;
  if (info.size === 0) return 'empty';
  if (info.truncated) return 'truncated';
  if ((info.format && runsHere(info)) || hasBinfmtHandlers()) return null;
  return info.format ? `foreign:${describeFile(info)}` : 'unknown';
}

function hasBinfmtHandlers() {
  try {
    return fs.readdirSync('/proc/sys/fs/binfmt_misc').some((name) => name !== 'register' && name !== 'status');
  } catch (_) {
    return false;
  }
}

// ---------------------------------------------------------------------------
// Error messages: one line each, naming the thing and the fix
// ---------------------------------------------------------------------------

function describePlatform(p) {
  return `${p.os}-${p.cpu}${p.libc ? ` (${p.libc})` : ''}`;
}

function shellQuote(s) {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

/**
 * Which client installed this copy, and how (this file sits in the main package):
 * 'npm', 'npm-global', 'pnpm', 'pnpm-global', 'yarn', 'bun' or 'bun-global'.
 */
function installKind() {
  const dir = __dirname.split(path.sep).join('/');
  if (process.versions.pnp) return 'yarn';
  if (/\/pnpm\/global\/|\/links\/[^/]+\/[^/]+\/[^/]+\/[^/]+\/node_modules\//.test(dir)) return 'pnpm-global';
  if (/\/\.pnpm\//.test(dir)) return 'pnpm';
  if (/\/install\/global\/node_modules\//.test(dir)) return 'bun-global';
  if (/\/lib\/node_modules\/|\/npm\/node_modules\//.test(dir)) return 'npm-global';
  // A project: its node_modules (above the package, or its scope) tells Yarn's and bun's apart.
  let nodeModules = path.dirname(path.dirname(__dirname));
  if (path.basename(nodeModules).startsWith('@')) nodeModules = path.dirname(nodeModules);
  if (fs.existsSync(path.join(nodeModules, '.yarn-state.yml'))) return 'yarn';
  const project = path.dirname(nodeModules);
  if (fs.existsSync(path.join(project, 'bun.lock')) || fs.existsSync(path.join(project, 'bun.lockb'))) return 'bun';
  return 'npm';
}

/** The command that installs a missing platform package. */
function installCommand(spec, platform) {
  const main = `${spec.packageName}@${spec.version}`;
  const both = `${main} ${platform.packageName}@${spec.version}`;
  switch (installKind()) {
    case 'yarn':
      return `yarn add ${both}`;
    case 'pnpm':
      return `pnpm add ${both}`;
    case 'bun':
      return `bun add ${both}`;
    case 'pnpm-global':
      return `pnpm add -g ${main}`;
    case 'bun-global':
      return `bun add -g ${main}`;
    case 'npm-global':
      return `npm install -g ${main}`;
    default:
      return `npm install ${both} (add -g for a global install)`;
  }
}

/**
 * The command that replaces an installed platform package whose binary is
 * damaged. Each was tried: a plain `install` (or pnpm's and bun's `add -g`)
 * leaves a package of the right version as it is, damaged or not.
 */
function reinstallCommand(spec, found) {
  const main = `${spec.packageName}@${spec.version}`;
  const removed = `rm -rf ${shellQuote(found.dir)} && `;
  switch (installKind()) {
    case 'yarn':
      return `${removed}yarn install`;
    case 'pnpm':
      return 'pnpm install --force';
    case 'bun':
      return 'bun install --force';
    case 'pnpm-global':
      return `pnpm add -g --force ${main}`;
    case 'bun-global':
      return `bun add -g --force ${main}`;
    case 'npm-global':
      return `npm install -g ${main}`;
    default:
      return `${removed}npm install`;
  }
}

function locateErrorMessage(spec, found) {
  if (found.error === 'unsupported') {
    return (
      'no prebuilt binary for this platform: ' +
      describePlatform(found.host) +
      '; ' +
      spec.packageName +
      '@' +
      spec.version +
      ' ships binaries for ' +
      spec.platforms.map(describePlatform).join(', ') +
      '. ' +
      'If you have a ' +
      spec.binaryName +
      ' binary built for this machine, set ' +
      spec.overrideEnv +
      ' to its path.'
    );
  }
  const p = found.platform;
  return (
    'the package ' +
    p.packageName +
    '@' +
    spec.version +
    ', which holds the binary for ' +
    describePlatform(found.host) +
    ', is not installed (package managers skip it when optional dependencies ' +
    'are omitted, --omit=optional or --no-optional, or when the lockfile was made on another OS, npm/cli#4828); ' +
    'install it: ' +
    installCommand(spec, p) +
    ', or set ' +
    spec.overrideEnv +
    ' to the path of a ' +
    spec.binaryName +
    ' executable.'
  );
}

function overrideErrorMessage(spec, file, reason) {
  const env = spec.overrideEnv;
  const what = reason.startsWith('foreign:')
    ? `is ${reason.slice('foreign:'.length)}, not a program for ${process.platform}-${process.arch}`
    : {
        missing: 'does not exist',
        'not-file': 'is not a regular file',
        'not-executable': `is not executable (fix: chmod 755 ${shellQuote(file)})`,
        empty: 'is empty',
        truncated: 'is truncated (its program segments run past the end of the file)',
        unknown: 'is neither a native program for this machine nor a #! script',
        launcher: `is the ${spec.binaryName} command that binship installs (a launcher), which would start itself again and again`,
      }[reason];
  return (
    env +
    ' is set to ' +
    JSON.stringify(process.env[env]) +
    ', but ' +
    file +
    ' ' +
    what +
    '; point ' +
    env +
    ' at a ' +
    spec.binaryName +
    ' executable, or unset it to use the binary installed with ' +
    spec.packageName +
    '.'
  );
}

/** checkBinary's verdict as a message: what is wrong with the installed binary, and the fix. */
function binaryProblemMessage(spec, found, problem) {
  const p = found.platform;
  const fix = `; reinstall: ${reinstallCommand(spec, found)}`;
  if (problem === 'missing') {
    return `${p.packageName}@${spec.version} is installed, but its binary ${found.file} is missing or not a regular file${fix}`;
  }
  let version;
  try {
    version = JSON.parse(fs.readFileSync(path.join(found.dir, 'package.json'), 'utf8')).version;
  } catch (_) {
    // Unreadable: the binary itself tells.
  }
  if (version && version !== spec.version) {
    return `${p.packageName} is version ${version}, but ${spec.packageName}@${spec.version} needs its own version ${spec.version}${fix}`;
  }
  const info = inspectFile(found.file) || { size: 0, format: null, cpus: [] };
  let what;
  if (info.size === 0) what = 'is empty';
  else if (info.format && info.format !== 'script' && !runsHere(info)) what = `is ${describeFile(info)}, not for this ${describePlatform(found.host)} machine`;
  else if (info.size < p.size) what = `is truncated (${info.size} of ${p.size} bytes)`;
  else what = `is not the binary ${p.packageName}@${spec.version} was published with (its ${info.size === p.size ? 'SHA-256' : 'size'} differs)`;
  return `${found.file} ${what}${fix}`;
}

function notExecutableMessage(spec, file) {
  return (
    file +
    ' is not executable and restoring its permissions failed; fix it with chmod 755 ' +
    shellQuote(file) +
    ' (on a file system mounted noexec, set ' +
    spec.overrideEnv +
    ' to a copy of the binary on another file system)'
  );
}

function startErrorMessage(spec, found, err) {
  const code = err?.code || 'unknown error';
  if (code === 'EACCES') return notExecutableMessage(spec, found.file);
  if (code === 'ENOENT' || code === 'ENOEXEC') {
    const host = found.host || { os: process.platform, cpu: process.arch };
    return (
      found.file +
      ' exists but the system cannot run it (' +
      code +
      '): it was probably built for another ' +
      'platform or libc, or needs a loader or interpreter this ' +
      describePlatform(host) +
      ' machine lacks; ' +
      (found.override ? `check ${spec.overrideEnv}.` : `reinstall: ${reinstallCommand(spec, found)}`)
    );
  }
  return `could not start ${found.file}: ${err?.message || code}`;
}

module.exports = {
  checkBinary,
  promote,
  inspectFile,
  overrideProblem,
  locateErrorMessage,
  overrideErrorMessage,
  binaryProblemMessage,
  notExecutableMessage,
  startErrorMessage,
};
