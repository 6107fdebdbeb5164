// A throwaway npm registry: Verdaccio on loopback with its own storage, no uplinks (nothing
// is fetched from or sent to the public registry, so a client can only get the packages
// published here: the public registry may hold other packages of the same names), and one user
// whose token publishes. Used by `binship release --local`, the tests and the benchmarks;
// `stop()` ends it, `start` again on the same storage brings the same packages back (the tests
// kill it mid-publish and restart it). Verdaccio itself is fetched on first use (tools.ts).

import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { StepError } from '../errors.js';
import { type Progress, toolCommand } from './tools.js';

export interface LocalRegistry {
  url: string;
  port: number;
  /** A token that may publish; pass it as NODE_AUTH_TOKEN. */
  token: string;
  storageDir: string;
  /** Verdaccio's process id. */
  pid: number;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface LocalRegistryOptions {
  /** Reuse a storage directory (e.g. to restart after a kill); default: a new temporary one. */
  storageDir?: string;
  port?: number;
  /** Keep a throwaway registry's files after stop() (to restart it on the same storage). */
  keep?: boolean;
  /**
   * Who may read and publish which packages (Verdaccio package patterns, most specific first),
   * e.g. reads that need a login, as private registries do. Default: anyone reads, users publish.
   */
  packages?: Record<string, PackageRule>;
  /**
   * A registry the rules with `proxy: true` fetch what is not published here from (and cache).
   * For what a rehearsal installs besides the release itself (binship's own dependencies in the
   * workflow rehearsal, real dependencies in benchmarks); the default is none: nothing leaves the machine.
   */
  upstream?: string;
  /** Progress of fetching Verdaccio on first use; default: stderr. */
  progress?: Progress;
}

export interface PackageRule {
  /** Who may read: `$all`, `$authenticated`, or a user name. */
  access: string;
  /** Who may publish (and unpublish). */
  publish: string;
  /** Fetch versions not published here from `upstream`. */
  proxy?: boolean;
}

const OPEN_REGISTRY: Record<string, PackageRule> = { '**': { access: '$all', publish: '$authenticated' } };

export async function startLocalRegistry(options: LocalRegistryOptions = {}): Promise<LocalRegistry> {
  // First, so that a failed fetch leaves no registry home behind.
  const verdaccio = await toolCommand('verdaccio', options.progress);
  const home = options.storageDir ? path.dirname(options.storageDir) : mkdtempSync(path.join(os.tmpdir(), 'binship-registry-'));
  const storageDir = options.storageDir ?? path.join(home, 'storage');
  mkdirSync(storageDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const configFile = path.join(home, 'config.yaml');
  writeFileSync(
    configFile,
    [
      `storage: ${JSON.stringify(storageDir)}`,
      'auth:',
      '  htpasswd:',
      `    file: ${JSON.stringify(path.join(home, 'htpasswd'))}`,
      '    max_users: 100',
      ...(options.upstream ? ['uplinks:', '  upstream:', `    url: ${JSON.stringify(options.upstream)}`, '    timeout: 60s'] : ['uplinks: {}']),
      'packages:',
      ...Object.entries(options.packages ?? OPEN_REGISTRY).flatMap(([pattern, rule]) => [
        `  ${JSON.stringify(pattern)}:`,
        `    access: ${rule.access}`,
        `    publish: ${rule.publish}`,
        `    unpublish: ${rule.publish}`,
        ...(rule.proxy && options.upstream ? ['    proxy: upstream'] : []),
      ]),
      // Verdaccio's default (10 MB) refuses packages of real-sized binaries; npmjs.com takes them.
      'max_body_size: 512mb',
      'server:',
      '  keepAliveTimeout: 60',
      'logs: { type: stdout, format: json, level: warn }',
      'web: { enable: false }',
      '',
    ].join('\n'),
  );
  const log = openSync(path.join(home, 'verdaccio.log'), 'a');
  const child = spawn(verdaccio.command, [...verdaccio.args, '--config', configFile, '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', log, log],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const url = `http://127.0.0.1:${port}/`;
  const ownHome = !options.storageDir;
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    await stopChild(child, signal);
    closeSync(log);
    // A registry started on given storage is kept (it may be restarted); a throwaway one is not.
    if (ownHome && !options.keep) rmSync(home, { recursive: true, force: true });
  };
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  try {
    await waitForPing(url, child, path.join(home, 'verdaccio.log'), () => spawnError);
    const token = await createUser(url);
    return { url, port, token, storageDir, pid: child.pid as number, stop };
  } catch (error) {
    // No registry process or open log may outlive a failed start; the home stays for its log.
    await stopChild(child, 'SIGKILL');
    closeSync(log);
    throw error;
  }
}

async function waitForPing(url: string, child: ChildProcess, logFile: string, spawnError: () => Error | undefined): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const error = spawnError();
    if (error) throw new StepError(`Verdaccio could not be started: ${error.message}`);
    if (child.exitCode !== null) throw new StepError(`Verdaccio exited with code ${child.exitCode} before it answered; see ${logFile}`);
    try {
      const response = await fetch(`${url}-/ping`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new StepError(`Verdaccio did not answer on ${url} within 30 s; see ${logFile}`);
}

/**
 * Registers a user through the registry's CouchDB-style login endpoint and returns its token.
 * Each start registers a new name, so a restart on the same storage needs no stored password.
 */
async function createUser(url: string): Promise<string> {
  const name = `binship-${process.pid}-${Date.now()}`;
  const response = await fetch(`${url}-/user/org.couchdb.user:${name}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password: randomBytes(18).toString('base64url'), type: 'user', roles: [] }),
  });
  const body = (await response.json()) as { token?: string; error?: string };
  if (!response.ok || !body.token) {
    throw new StepError(`could not create a user on the local registry ${url}: ${body.error ?? response.status}`);
  }
  return body.token;
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as net.AddressInfo;
      server.close(() => resolve(address.port));
    });
  });
}
