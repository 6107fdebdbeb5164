// binship trust: the npm trusted-publisher set-up for every package of the release (each
// platform package and each main package: 2 binaries x 8 targets + 2 = 18 packages), as the
// exact `npm trust github …` commands, or run them.
//
// What npm needs (npm >= 11.15): the package must exist (a new one is published once with a
// token first), the caller's own npm login with two-factor authentication (a token cannot set
// up trust), and per package: the GitHub repository, the workflow file name (no path) and the
// environment, all from binship.toml. `--allow-publish` is the permission the publisher gets.

import path from 'node:path';
import { execa } from 'execa';
import semver from 'semver';
import { releaseVersion } from '../cargo.js';
import type { ReleaseConfig } from '../config/load.js';
import { StepError, UsageError } from '../errors.js';
import { githubSlug } from '../github.js';
import { redact } from '../redact.js';
import { DEFAULT_REGISTRY, normalizeRegistry, npmVersions, resolveRegistry, runNpm } from './npm-cli.js';
import { runConcurrently } from './publish/concurrently.js';
import { displayRegistry, registryClient } from './registry.js';
import { releasePackages } from './release-packages.js';
import { NPM_TRUST_MIN } from './trusted-publishing.js';

type TrustStatus = 'ready' | 'not-on-registry' | 'trusted' | 'configured' | 'other-publisher' | 'failed';

interface TrustEntry {
  package: string;
  kind: 'platform' | 'main';
  /** The command that sets up the trusted publisher (argv, starting with npm). */
  command: string[];
  status: TrustStatus;
  detail: string;
}

export interface TrustResult {
  registry: string;
  repository: string;
  file: string;
  environment: string;
  entries: TrustEntry[];
}

export interface TrustOptions {
  config: ReleaseConfig;
  registry?: string;
  /** Run the commands (with the user's npm login) instead of only listing them. */
  run?: boolean;
  /** Where npm's own prompts and output go while it runs (a one-time password may be asked). */
  npmOutput?: 'inherit' | 'stderr';
  onEvent?: (entry: TrustEntry) => void;
}

/** The publisher every package gets: this repository's release workflow, in its environment. */
function trustedPublisher(config: ReleaseConfig): { repository: string; file: string; environment: string } {
  const repository = githubSlug(config.project.repository);
  if (!repository) {
    throw new UsageError(
      `${path.basename(config.configPath)}: [project] repository ${config.project.repository} is not a GitHub repository; npm trusted publishing from GitHub Actions needs one (https://github.com/OWNER/REPO)`,
    );
  }
  return { repository, file: path.basename(config.workflow.path), environment: config.workflow.environment };
}

export type TrustedPublisher = ReturnType<typeof trustedPublisher>;

/** `npm trust github PACKAGE --file F --repository O/R --environment E --allow-publish --yes` (+ `--registry` when not npmjs.org). */
export function trustCommand(name: string, publisher: TrustedPublisher, registry: string): string[] {
  return [
    'npm',
    'trust',
    'github',
    name,
    '--file',
    publisher.file,
    '--repository',
    publisher.repository,
    '--environment',
    publisher.environment,
    '--allow-publish',
    '--yes',
    ...(normalizeRegistry(registry) === DEFAULT_REGISTRY ? [] : ['--registry', registry]),
  ];
}

export async function trust(options: TrustOptions): Promise<TrustResult> {
  const { config } = options;
  const publisher = trustedPublisher(config);
  const registry = await resolveRegistry(options.registry);
  const shown = displayRegistry(registry);
  const client = registryClient(registry);
  const packages = releasePackages(config, await releaseVersion(config));
  const entries: TrustEntry[] = packages.map((p) => ({
    package: p.name,
    kind: p.kind,
    command: trustCommand(p.name, publisher, shown),
    status: 'ready',
    detail: '',
  }));
  await runConcurrently(entries, 4, async (entry) => {
    const { exists } = await client.lookup(entry.package, '0.0.0').catch((error: Error) => {
      throw new StepError(`registry ${shown} did not answer for ${entry.package} (${redact(error.message)}); run binship trust again`);
    });
    if (exists) Object.assign(entry, { detail: 'on the registry: ready for npm trust' });
    else Object.assign(entry, { status: 'not-on-registry', detail: 'publish it once first (token or npm login)' });
  });
  if (options.run) await runAll(entries, publisher, registry, options);
  return { registry: shown, ...publisher, entries };
}

async function runAll(entries: TrustEntry[], publisher: TrustedPublisher, registry: string, options: TrustOptions): Promise<void> {
  const versions = await npmVersions();
  if (!versions || !semver.valid(versions.npm) || semver.lt(versions.npm, NPM_TRUST_MIN)) {
    throw new StepError(
      `npm trust needs npm ${NPM_TRUST_MIN} or newer (npm here: ${versions?.npm ?? 'not found'}); run npm install -g npm@latest, or run the printed commands elsewhere`,
    );
  }
  const login = await runNpm(['whoami'], { registry, timeoutMs: 60_000 });
  if (login.failed) {
    throw new StepError(
      `npm trust needs your own npm login on ${displayRegistry(registry)} (with two-factor authentication; tokens cannot set up trust): run npm login --registry ${displayRegistry(registry)}, then binship trust --run again`,
    );
  }
  // One at a time: npm may ask for a one-time password for each.
  for (const entry of entries.filter((e) => e.status === 'ready')) {
    const existing = await trustedPublishers(entry.package, registry);
    const same = existing?.find(
      (p) => p.type === 'github' && p.repository === publisher.repository && p.file === publisher.file && p.environment === publisher.environment,
    );
    if (same) {
      settle(entry, 'trusted', 'already has this trusted publisher', options);
      continue;
    }
    const other = existing?.find((p) => p.type !== undefined);
    if (other) {
      settle(
        entry,
        'other-publisher',
        `has another trusted publisher (${[other.type, other.repository, other.file, other.environment].filter(Boolean).join(' ')}); npm allows one: revoke it with npm trust revoke ${entry.package} --id=${other.id ?? 'ID'}, then run binship trust --run again`,
        options,
      );
      continue;
    }
    const stdout = options.npmOutput === 'stderr' ? process.stderr : 'inherit';
    const result = await execa(entry.command[0] as string, entry.command.slice(1), { stdin: 'inherit', stdout, stderr: 'inherit', reject: false });
    if (result.failed)
      settle(
        entry,
        'failed',
        `npm trust github exited with ${result.exitCode ?? result.signal}: see npm's message above; fix it and run binship trust --run again`,
        options,
      );
    else settle(entry, 'configured', `trusted publisher set up: ${entry.command.slice(0, 4).join(' ')} …`, options);
  }
}

function settle(entry: TrustEntry, status: TrustStatus, detail: string, options: TrustOptions): void {
  Object.assign(entry, { status, detail });
  options.onEvent?.(entry);
}

interface TrustConfig {
  id?: string;
  type?: string;
  repository?: string;
  file?: string;
  environment?: string;
}

/** `npm trust list PACKAGE --json`: the package's trusted publishers, or null when npm could not tell. */
async function trustedPublishers(name: string, registry: string): Promise<TrustConfig[] | null> {
  const result = await runNpm(['trust', 'list', name, '--json'], { registry, timeoutMs: 60_000 });
  if (result.failed) return null;
  const text = String(result.stdout).trim();
  if (text === '') return [];
  try {
    // npm prints one JSON object per publisher.
    return JSON.parse(`[${text.replace(/\}\s*\{/g, '},{')}]`) as TrustConfig[];
  } catch {
    return null;
  }
}
