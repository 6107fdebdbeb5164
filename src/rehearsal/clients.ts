// Installs the released main packages back from a registry with the clients users have now, each
// in a scratch home of its own, then runs what they installed: `--version` must print the release
// version and each binary's smoke command must pass (for an MCP server, an initialize
// round-trip). The one-shot runners (npx, pnpm dlx, bunx, deno run npm:) fetch and start each
// package the way an MCP client's config or a README line does. This is the proof that a
// release works for users, not just that it uploaded.
//
// Each client is one row: ok, FAILED (with why), or skipped with the reason it cannot run on this
// host (no pinned build of the tool). Install warnings that users would see are recorded too.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type { SmokeSpec } from '../config/load.js';
import { errorMessage } from '../errors.js';
import { type OnProgress, track } from '../ui/progress.js';
import { checkReportedVersion, runSmoke } from '../verify/run.js';
import { CLIENTS, type ClientName } from './client-names.js';
import { type Progress, type ToolCommand, type ToolName, toolCommand, toolHost, toolUnavailable } from './tools.js';

export { CLIENTS, type ClientName };

export interface ReleasedPackage {
  /** The npm main package. */
  name: string;
  binary: string;
  smoke?: SmokeSpec;
}

interface RunCheck {
  binary: string;
  ok: boolean;
  detail: string;
}

export interface ClientCheck {
  client: ClientName;
  /** What ran, with versions: `npm 11.19.1 (Node 20.20.2)`. */
  label: string;
  status: 'ok' | 'failed' | 'skipped';
  /** `installed`, why the install failed, or why the client was skipped. */
  detail: string;
  /** Lines of the install's output that warn users (blocked or ignored install scripts...). */
  warnings: string[];
  runs: RunCheck[];
}

export interface InstallOptions {
  registry: string;
  version: string;
  packages: ReleasedPackage[];
  /** Scratch directory; each client gets a subdirectory. */
  workDir: string;
  clients?: readonly ClientName[];
  /** Progress of fetching a client on first use; default: stderr. */
  progress?: Progress;
  /** Each client as it installs and runs the packages (a minute each with a cold cache). */
  onProgress?: OnProgress;
  /** The host that decides which clients can run (tools.ts `toolHost`); default: this machine. */
  host?: string;
}

/** A command line: `command ...args`, run with `env` on top of this process's environment. */
interface Command {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

/** A client ready to install: what it is, how to install the packages, how to run their binaries. */
export interface ClientPlan {
  /** What runs, with versions: `npm 11.19.1 (Node 20.20.2)`. */
  label: string;
  /** Installs every released package; returns the install's output (for its warnings). */
  install(): Promise<string>;
  run(pkg: ReleasedPackage): Command;
}

interface ClientContext {
  dir: string;
  registry: string;
  /** `name@version` of every released package. */
  specs: string[];
  env: Record<string, string>;
  progress?: Progress;
}

interface ClientSpec {
  /** The pinned tools it needs (tools.ts); when one cannot run here, the client is skipped. */
  tools: ToolName[];
  /** Fetches the client's tools and writes its project files; installs nothing yet. */
  plan(context: ClientContext): Promise<ClientPlan>;
}

const INSTALL_TIMEOUT_MS = 300_000;

export async function installAndRun(options: InstallOptions): Promise<ClientCheck[]> {
  const checks: ClientCheck[] = [];
  for (const client of options.clients ?? CLIENTS) {
    checks.push(
      await track(
        options.onProgress,
        client,
        () => checkClient(client, options),
        (check) => check.status,
      ),
    );
  }
  return checks;
}

/** Why `client` cannot run on `host` (default: this machine), or undefined. */
function clientUnavailable(client: ClientName, host = toolHost()): string | undefined {
  return SPECS[client].tools.map((tool) => toolUnavailable(tool, host)).find(Boolean);
}

async function checkClient(client: ClientName, options: InstallOptions): Promise<ClientCheck> {
  const skipped = clientUnavailable(client, options.host);
  if (skipped) return { client, label: client, status: 'skipped', detail: `skipped: ${skipped}`, warnings: [], runs: [] };
  let plan: ClientPlan | undefined;
  let output: string;
  try {
    plan = await planClient(client, options);
    output = await plan.install();
  } catch (error) {
    return { client, label: plan?.label ?? client, status: 'failed', detail: `install failed: ${errorMessage(error)}`, warnings: [], runs: [] };
  }
  const runs: RunCheck[] = [];
  for (const pkg of options.packages) {
    const { command, args, env, cwd } = plan.run(pkg);
    const argv = [command, ...args];
    const [file, prefix] = [argv.at(-1) as string, argv.slice(0, -1)];
    const version = await checkReportedVersion(file, prefix, options.version, cwd, env);
    const smoke = version.problems.length === 0 && pkg.smoke ? await runSmoke(file, prefix, pkg.smoke, cwd, env) : [];
    const problems = [...version.problems, ...smoke];
    runs.push({
      binary: pkg.binary,
      ok: problems.length === 0,
      detail: problems.join('; ') || `--version ${version.reported}${pkg.smoke ? ', smoke ok' : ''}`,
    });
  }
  const ok = runs.every((r) => r.ok);
  return { client, label: plan.label, status: ok ? 'ok' : 'failed', detail: 'installed', warnings: installWarnings(output), runs };
}

/** Prepares `client` to install the released packages in a scratch home of its own under `options.workDir`. */
export async function planClient(client: ClientName, options: InstallOptions): Promise<ClientPlan> {
  const dir = path.join(options.workDir, client);
  const home = path.join(dir, 'home');
  mkdirSync(home, { recursive: true });
  // A home of its own: no user config (tokens, other registries, trusted lists), no shared
  // caches (a name@version published again with other contents), nothing written outside it.
  const env = {
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_STATE_HOME: path.join(home, '.local', 'state'),
    npm_config_userconfig: path.join(home, '.npmrc'),
    npm_config_cache: path.join(home, '.npm'),
    npm_config_registry: options.registry,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    NO_COLOR: '1',
  };
  // Every client here reads the registry from the user's .npmrc (pnpm 12, bun and Deno among them).
  writeFileSync(env.npm_config_userconfig, `registry=${options.registry}\n`);
  const specs = options.packages.map((p) => `${p.name}@${options.version}`);
  return SPECS[client].plan({ dir, registry: options.registry, specs, env, progress: options.progress });
}

/** Runs an install step; a failure throws with the lines of its output that say why. */
async function step(command: Command, what: string): Promise<string> {
  const result = await execa(command.command, command.args, {
    cwd: command.cwd,
    env: command.env,
    reject: false,
    stdin: 'ignore',
    all: true,
    timeout: INSTALL_TIMEOUT_MS,
  });
  const output = stripAnsi(String(result.all ?? ''));
  if (result.failed) {
    const why = output
      .split('\n')
      .map((l) => l.replace(/^[\s│╰─▶×]+/, '').trim())
      .filter((l) => /err|fail|not found|denied|ignored|cannot/i.test(l));
    throw new Error(`${what}: ${why.slice(0, 3).join(' / ') || result.shortMessage}`);
  }
  return output;
}

function project(dir: string, name: string): string {
  const cwd = path.join(dir, 'project');
  mkdirSync(cwd, { recursive: true });
  writeFileSync(path.join(cwd, 'package.json'), `${JSON.stringify({ name, private: true })}\n`);
  return cwd;
}

function withNode(tool: ToolCommand, env: Record<string, string>): Record<string, string> {
  // Launchers and shims start `node` from PATH: the Node the client runs on, as for its users.
  return { ...env, PATH: `${tool.nodeDir}${path.delimiter}${process.env.PATH ?? ''}` };
}

async function versionOf(command: string, args: string[] = []): Promise<string> {
  return (await execa(command, [...args, '--version'], { reject: false, stdin: 'ignore' })).stdout.trim().replace(/^v/, '');
}

/** `npm install --global` into a prefix of its own, with npm's Node on PATH for the installed bins. */
function npmGlobal(npm: ToolCommand | undefined, label: (nodeVersion: string) => Promise<string>): (context: ClientContext) => Promise<ClientPlan> {
  return async ({ dir, specs, env }) => {
    const [command, args] = npm ? [npm.command, npm.args] : ['npm', []];
    const runEnv = npm ? withNode(npm, env) : env;
    const prefix = path.join(dir, 'global');
    return {
      label: await label(npm ? await versionOf(npm.command) : process.versions.node),
      install: () => step({ command, args: [...args, 'install', '--global', '--prefix', prefix, ...specs], env: runEnv, cwd: dir }, 'npm install --global'),
      run: (pkg) => ({ command: path.join(prefix, 'bin', pkg.binary), args: [], env: runEnv, cwd: dir }),
    };
  };
}

const NPM: ClientSpec = {
  tools: [],
  plan: npmGlobal(undefined, async (node) => `npm ${await versionOf('npm')} (Node ${node})`),
};

const NPM12: ClientSpec = {
  tools: ['npm12', 'node'],
  plan: async (context) => {
    const npm = await toolCommand('npm12', context.progress);
    return npmGlobal(npm, async (node) => `npm ${npm.version} (Node ${node})`)(context);
  },
};

function pnpm(tool: 'pnpm10' | 'pnpm12'): ClientSpec {
  return {
    tools: [tool],
    async plan({ dir, specs, env, progress }) {
      const pnpmCommand = await toolCommand(tool, progress);
      const cwd = project(dir, 'pnpm-install-check');
      return {
        label: `pnpm ${pnpmCommand.version}`,
        install: () =>
          step(
            { command: pnpmCommand.command, args: [...pnpmCommand.args, 'add', '--store-dir', path.join(dir, 'store'), ...specs], env, cwd },
            `pnpm ${pnpmCommand.version} add`,
          ),
        run: (pkg) => ({ command: path.join(cwd, 'node_modules', '.bin', pkg.binary), args: [], env, cwd }),
      };
    },
  };
}

/** Yarn Berry with Plug'n'Play (its default: the launcher resolves the platform package through PnP) or node_modules. */
function yarn(linker: 'pnp' | 'node-modules'): ClientSpec {
  return {
    tools: ['yarn4'],
    async plan({ dir, registry, specs, env, progress }) {
      const yarnCommand = await toolCommand('yarn4', progress);
      const cwd = project(dir, 'yarn-install-check');
      writeFileSync(
        path.join(cwd, '.yarnrc.yml'),
        [
          `npmRegistryServer: ${JSON.stringify(registry.replace(/\/$/, ''))}`,
          'unsafeHttpWhitelist: ["127.0.0.1", "localhost"]',
          'enableTelemetry: false',
          'enableGlobalCache: false',
          'enableImmutableInstalls: false',
          `nodeLinker: ${linker}`,
          // Yarn quarantines versions younger than its age gate; these were published seconds ago.
          'npmMinimalAgeGate: 0',
          '',
        ].join('\n'),
      );
      const yarnEnv = { ...env, YARN_GLOBAL_FOLDER: path.join(dir, 'yarn-global'), YARN_ENABLE_TELEMETRY: '0' };
      return {
        label: `Yarn ${yarnCommand.version} ${linker === 'pnp' ? "Plug'n'Play" : 'node_modules'}`,
        install: () =>
          step({ command: yarnCommand.command, args: [...yarnCommand.args, 'add', ...specs], env: yarnEnv, cwd }, `yarn ${yarnCommand.version} add`),
        run: (pkg) => ({ command: yarnCommand.command, args: [...yarnCommand.args, 'run', pkg.binary], env: yarnEnv, cwd }),
      };
    },
  };
}

function bunEnv(dir: string, env: Record<string, string>): Record<string, string> {
  return { ...env, BUN_INSTALL_CACHE_DIR: path.join(dir, 'cache') };
}

const BUN: ClientSpec = {
  tools: ['bun'],
  async plan({ dir, specs, env, progress }) {
    const bun = await toolCommand('bun', progress);
    const cwd = project(dir, 'bun-install-check');
    const environment = bunEnv(dir, env);
    return {
      label: `bun ${bun.version} (bun runtime)`,
      install: () => step({ command: bun.command, args: ['add', ...specs], env: environment, cwd }, `bun ${bun.version} add`),
      // --bun: the launcher runs on bun's runtime, as for users without Node (the shebang says node).
      run: (pkg) => ({ command: bun.command, args: ['--bun', 'run', pkg.binary], env: environment, cwd }),
    };
  },
};

function denoEnv(dir: string, env: Record<string, string>): Record<string, string> {
  return { ...env, DENO_DIR: path.join(dir, 'deno-dir'), DENO_NO_UPDATE_CHECK: '1' };
}

// Deno holds back versions younger than a day by default; a rehearsal installs seconds after publishing.
const DENO_FRESH = '--minimum-dependency-age=0';

const DENO: ClientSpec = {
  tools: ['deno'],
  async plan({ dir, specs, env, progress }) {
    const deno = await toolCommand('deno', progress);
    const cwd = project(dir, 'deno-install-check');
    const environment = denoEnv(dir, env);
    return {
      label: `Deno ${deno.version}`,
      install: () =>
        step({ command: deno.command, args: ['add', DENO_FRESH, ...specs.map((s) => `npm:${s}`)], env: environment, cwd }, `deno ${deno.version} add`),
      run: (pkg) => ({ command: deno.command, args: ['run', '--allow-all', `npm:${pkg.name}/${pkg.binary}`], env: environment, cwd }),
    };
  },
};

interface OneShotSpec {
  tools: ToolName[];
  label(tool: ToolCommand | undefined): Promise<string> | string;
  /** The runner's command line before the package spec. */
  command(tool: ToolCommand | undefined, dir: string, env: Record<string, string>): Omit<Command, 'cwd'>;
  /** How the runner names `name@version`. */
  spec?(spec: string): string;
}

/** A one-shot runner: `command pkg@version args` fetches the package and runs its binary. */
function oneShot(runner: OneShotSpec): ClientSpec {
  return {
    tools: runner.tools,
    async plan({ dir, specs, env, progress }) {
      const tool = runner.tools[0] ? await toolCommand(runner.tools[0], progress) : undefined;
      const label = await runner.label(tool);
      const cwd = path.join(dir, 'run');
      mkdirSync(cwd, { recursive: true });
      const base = runner.command(tool, dir, env);
      const run = (spec: string): Command => ({ ...base, args: [...base.args, runner.spec?.(spec) ?? spec], cwd });
      return {
        label,
        // The first run of each package fetches it (and may take a while); it must already work.
        install: async () => {
          let output = '';
          for (const spec of specs) {
            const first = run(spec);
            output += await step({ ...first, args: [...first.args, '--version'] }, `${label} ${spec} --version`);
          }
          return output;
        },
        run: (pkg) => run(specs.find((s) => s.startsWith(`${pkg.name}@`)) as string),
      };
    },
  };
}

const SPECS: Record<ClientName, ClientSpec> = {
  npm: NPM,
  npm12: NPM12,
  pnpm10: pnpm('pnpm10'),
  pnpm12: pnpm('pnpm12'),
  'yarn-pnp': yarn('pnp'),
  'yarn-nm': yarn('node-modules'),
  bun: BUN,
  deno: DENO,
  npx: oneShot({
    tools: [],
    label: async () => `npx -y (npm ${await versionOf('npm')})`,
    command: (_tool, _dir, env) => ({ command: 'npx', args: ['--yes'], env }),
  }),
  'pnpm-dlx': oneShot({
    tools: ['pnpm12'],
    label: (tool) => `pnpm ${tool?.version} dlx`,
    command: (tool, dir, env) => ({
      command: tool!.command,
      args: [...tool!.args, 'dlx', '--store-dir', path.join(dir, 'store'), '--cache-dir', path.join(dir, 'cache')],
      env,
    }),
  }),
  bunx: oneShot({
    tools: ['bun'],
    label: (tool) => `bunx ${tool?.version}`,
    command: (tool, dir, env) => ({ command: tool!.command, args: ['x'], env: bunEnv(dir, env) }),
  }),
  'deno-run': oneShot({
    tools: ['deno'],
    label: (tool) => `deno ${tool?.version} run npm:`,
    command: (tool, dir, env) => ({ command: tool!.command, args: ['run', '--allow-all', DENO_FRESH], env: denoEnv(dir, env) }),
    spec: (spec) => `npm:${spec}`,
  }),
};

/**
 * What the install told users about install scripts it blocked or ignored (npm 11/12, pnpm 10,
 * Yarn YN0004, bun, Deno), one line each. A failing install (pnpm 12) is a failed row instead.
 */
function installWarnings(output: string): string[] {
  const lines = output.split('\n').map((l) => l.replace(/^[\s│╭╰─▶×➤]+|[\s│╮╯─]+$/g, ''));
  return [...new Set(lines.filter((l) => /\b(blocked|ignored|untrusted|not yet covered|YN0004)\b/i.test(l)))];
}

function stripAnsi(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes start with ESC
  return text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
}
