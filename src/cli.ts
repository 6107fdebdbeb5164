// The binship command line: a thin layer that parses arguments and calls the step modules.
// Each command lives in src/commands/<name>.ts and registers itself on the program. Start-up
// loads only what the command being run uses: the module of that command alone (all of them
// only for the command list of --help and for errors), and each module imports its step
// inside its action, so `<command> --help` loads no step either.

import { Command, CommanderError } from 'commander';
import { binshipVersion } from './binship-version.js';
import type { CliContext } from './commands/context.js';
import type { ReleaseConfig } from './config/load.js';
import { BinshipError, errorMessage, UsageError } from './errors.js';
import { redact } from './redact.js';
import { resolveTarget, type Target } from './targets.js';
import { progressReporter } from './ui/progress.js';
import { wrapLines } from './ui/width.js';

interface CommandModule {
  register(program: Command, context: CliContext): void;
}

/** Every command, in the order --help lists them, with the module that registers it. */
const COMMANDS: [name: string, load: () => Promise<CommandModule>][] = [
  ['init', () => import('./commands/init.js')],
  ['version', () => import('./commands/version.js')],
  ['doctor', () => import('./commands/doctor.js')],
  ['build', () => import('./commands/build.js')],
  ['collect', () => import('./commands/collect.js')],
  ['verify', () => import('./commands/verify.js')],
  ['pack', () => import('./commands/pack.js')],
  ['publish', () => import('./commands/publish.js')],
  ['trust', () => import('./commands/trust.js')],
  ['archive', () => import('./commands/archive.js')],
  ['release', () => import('./commands/release.js')],
  ['workflow', () => import('./commands/workflow.js')],
  ['matrix', () => import('./commands/matrix.js')],
  ['schema', () => import('./commands/schema.js')],
];

interface GlobalOptions {
  config: string;
  progress?: boolean;
}

/** The options every command takes (before or after the command's name). */
function withGlobalOptions(program: Command): Command {
  return program
    .option('-c, --config <path>', 'release config file', 'binship.toml')
    .option('--progress', 'report progress on stderr even when it is not a terminal')
    .option('--no-progress', 'report no progress (default: only when stderr is a terminal)');
}

/** The program, with the commands `argv` (process.argv) can run registered. */
async function createProgram(argv: string[]): Promise<Command> {
  const program = withGlobalOptions(new Command('binship'))
    .description('Ship Rust binaries through npm: build, collect, verify, pack, publish, and the CI workflow.')
    .version(binshipVersion(), '-V, --version', 'print the version of binship')
    .showHelpAfterError('(run binship --help for usage)')
    .exitOverride();
  program.configureOutput({ writeErr: (text) => process.stderr.write(text) });

  let config: typeof import('./config/load.js') | undefined;
  // Loaded only when a command runs (not for --help), before its action, which reads it synchronously.
  program.hook('preAction', async () => {
    config = await import('./config/load.js');
  });
  const globals = () => program.opts<GlobalOptions>();
  const print = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  const context: CliContext = {
    loadConfig: () => (config as typeof import('./config/load.js')).loadConfig(globals().config),
    resolveTargets,
    print,
    report: (text) => print(wrapLines(text)),
    progress: (step) => progressReporter(step, globals().progress),
  };
  const modules = await Promise.all(commandsFor(argv).map(([, load]) => load()));
  for (const module of modules) module.register(program, context);
  return program;
}

/**
 * The commands `argv` may run: the one it names; none for binship --version; else all of them
 * (binship --help, binship help build, a typo: commander then lists or suggests them).
 */
function commandsFor(argv: string[]): typeof COMMANDS {
  const { operands, unknown } = withGlobalOptions(new Command()).allowUnknownOption().parseOptions(argv.slice(2));
  if (operands.length === 0 && unknown.some((arg) => arg === '-V' || arg === '--version')) return [];
  const named = COMMANDS.filter(([name]) => name === operands[0]);
  return named.length > 0 ? named : COMMANDS;
}

function resolveTargets(config: ReleaseConfig, names: string[]): Target[] {
  return names.map((name) => {
    const target = resolveTarget(name);
    if (!config.targets.includes(target)) {
      throw new UsageError(
        `target ${target.platform} is not in the targets of ${config.configPath}; add it there or pick one of ${config.targets.map((t) => t.platform).join(', ')}`,
      );
    }
    return target;
  });
}

/** Runs the CLI; resolves to the exit code (0 ok, 1 a step failed, 2 bad usage or config). */
export async function main(argv: string[]): Promise<number> {
  try {
    await (await createProgram(argv)).parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed its message; help and version are not failures.
      return error.exitCode === 0 ? 0 : 2;
    }
    // Whatever is printed passes through redact(): no token reaches a log, whatever failed.
    if (error instanceof BinshipError) {
      for (const line of redact(error.message).split('\n')) process.stderr.write(`binship: error: ${line}\n`);
      return error.exitCode;
    }
    process.stderr.write(redact(`binship: internal error: ${errorMessage(error)}\n${error instanceof Error ? error.stack : ''}\n`));
    return 1;
  }
}
