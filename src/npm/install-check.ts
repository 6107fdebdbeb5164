// Installs the published main packages back from a registry with the real clients users have
// (npm global install, pnpm, Yarn Berry with Plug'n'Play) into a scratch directory, then runs
// each installed command: `--version` must print the release version and the binary's smoke
// command must pass. This is the proof that a release works for users, not just that it uploaded.

import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { execa } from 'execa';
import type { SmokeSpec } from '../config/load.js';
import { checkReportedVersion, runSmoke } from '../verify/run.js';

export type InstallClient = 'npm' | 'pnpm' | 'yarn';
export const INSTALL_CLIENTS: InstallClient[] = ['npm', 'pnpm', 'yarn'];

export interface InstalledPackage {
  name: string;
  binary: string;
  smoke?: SmokeSpec;
}

export interface RunCheck {
  binary: string;
  ok: boolean;
  detail: string;
}

export interface InstallCheck {
  client: InstallClient;
  installed: boolean;
  detail: string;
  runs: RunCheck[];
}

export interface InstallOptions {
  registry: string;
  version: string;
  packages: InstalledPackage[];
  /** Scratch directory; each client gets a subdirectory. */
  workDir: string;
  clients?: InstallClient[];
}

const require = createRequire(import.meta.url);

export async function installAndRun(options: InstallOptions): Promise<InstallCheck[]> {
  const checks: InstallCheck[] = [];
  for (const client of options.clients ?? INSTALL_CLIENTS) checks.push(await checkClient(client, options));
  return checks;
}

interface ClientSetup {
  install: [string, string[]];
  /** Command prefix that runs an installed binary by name. */
  runner: (binary: string) => { prefix: string[]; file: string };
  cwd: string;
  env: Record<string, string>;
}

async function checkClient(client: InstallClient, options: InstallOptions): Promise<InstallCheck> {
  const dir = path.join(options.workDir, client);
  mkdirSync(dir, { recursive: true });
  // An empty user config keeps the developer's own npmrc (tokens, other registries) out of it.
  const npmrc = path.join(dir, '.npmrc-empty');
  writeFileSync(npmrc, '');
  const setup = clientSetup(client, dir, npmrc, options);
  const install = await execa(setup.install[0], setup.install[1], { cwd: setup.cwd, env: setup.env, reject: false, stdin: 'ignore', all: true });
  if (install.failed) {
    const reason = String(install.all ?? '').split('\n').filter((l) => /err|error|fail/i.test(l)).slice(0, 2).join(' / ') || install.shortMessage;
    return { client, installed: false, detail: `install failed: ${reason}`, runs: [] };
  }
  const runs: RunCheck[] = [];
  for (const pkg of options.packages) {
    const { prefix, file } = setup.runner(pkg.binary);
    const version = await checkReportedVersion(file, prefix, options.version, setup.cwd);
    const smoke = version.problems.length === 0 && pkg.smoke ? await runSmoke(file, prefix, pkg.smoke, setup.cwd) : [];
    const problems = [...version.problems, ...smoke];
    runs.push({ binary: pkg.binary, ok: problems.length === 0, detail: problems.join('; ') || `--version ${version.reported}${pkg.smoke ? ', smoke ok' : ''}` });
  }
  return { client, installed: true, detail: 'installed', runs };
}

function clientSetup(client: InstallClient, dir: string, npmrc: string, options: InstallOptions): ClientSetup {
  const specs = options.packages.map((p) => `${p.name}@${options.version}`);
  const env = { npm_config_userconfig: npmrc, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
  if (client === 'npm') {
    const prefix = path.join(dir, 'global');
    return {
      install: ['npm', ['install', '--global', '--prefix', prefix, '--registry', options.registry, ...specs]],
      runner: (binary) => ({ prefix: [], file: path.join(prefix, process.platform === 'win32' ? '' : 'bin', binary) }),
      cwd: dir,
      env,
    };
  }
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: `${client}-install-check`, private: true })}\n`);
  if (client === 'pnpm') {
    // pnpm's exports map only "." (its package.json), which locates the package directory.
    const pnpm = path.join(path.dirname(require.resolve('pnpm')), 'bin', 'pnpm.cjs');
    return {
      install: [process.execPath, [pnpm, 'add', '--registry', options.registry, '--store-dir', path.join(dir, 'store'), ...specs]],
      runner: (binary) => ({ prefix: [], file: path.join(dir, 'node_modules', '.bin', binary) }),
      cwd: dir,
      env,
    };
  }
  // Yarn Berry, Plug'n'Play (its default): the launcher must resolve the platform package
  // through PnP, and `preferUnplugged` must have put the binary on disk.
  const yarn = require.resolve('@yarnpkg/cli-dist/bin/yarn.js');
  writeFileSync(
    path.join(dir, '.yarnrc.yml'),
    [
      `npmRegistryServer: ${JSON.stringify(options.registry.replace(/\/$/, ''))}`,
      'unsafeHttpWhitelist: ["127.0.0.1", "localhost"]',
      'enableTelemetry: false',
      'enableGlobalCache: false',
      'enableImmutableInstalls: false',
      'nodeLinker: pnp',
      // Yarn quarantines versions younger than its age gate; these were published seconds ago.
      'npmMinimalAgeGate: 0',
      '',
    ].join('\n'),
  );
  return {
    install: [process.execPath, [yarn, 'add', ...specs]],
    runner: (binary) => ({ prefix: [process.execPath, yarn, 'run'], file: binary }),
    cwd: dir,
    env: { ...env, YARN_GLOBAL_FOLDER: path.join(dir, 'yarn-global'), YARN_ENABLE_TELEMETRY: '0' },
  };
}
