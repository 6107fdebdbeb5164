// The binship command line: a thin layer that parses arguments and calls the step modules.
// Each command lives in src/commands/<name>.ts and registers itself on the program.

import { Command, CommanderError } from 'commander';
import { loadConfig } from './config/load.js';
import { BinshipError, errorMessage, UsageError } from './errors.js';
import { redact } from './redact.js';
import type { CliContext } from './commands/context.js';
import { resolveTarget, type Target } from './targets.js';
import type { ReleaseConfig } from './config/load.js';
import { register as registerVersion } from './commands/version.js';
import { register as registerDoctor } from './commands/doctor.js';
import { register as registerBuild } from './commands/build.js';
import { register as registerCollect } from './commands/collect.js';
import { register as registerSchema } from './commands/schema.js';
import { register as registerVerify } from './commands/verify.js';
import { register as registerPack } from './commands/pack.js';
import { register as registerPublish } from './commands/publish.js';
import { register as registerTrust } from './commands/trust.js';
import { register as registerRelease } from './commands/release.js';
import { register as registerWorkflow } from './commands/workflow.js';
import { register as registerInit } from './commands/init.js';
import { register as registerArchive } from './commands/archive.js';

export function createProgram(): Command {
  const program = new Command('binship')
    .description('Ship Rust binaries through npm: build, collect, verify, pack, publish, and the CI workflow.')
    .option('-c, --config <path>', 'release config file', 'binship.toml')
    .showHelpAfterError('(run binship --help for usage)')
    .exitOverride();
  program.configureOutput({ writeErr: (text) => process.stderr.write(text) });

  const context: CliContext = {
    loadConfig: () => loadConfig(program.opts<{ config: string }>().config),
    resolveTargets,
    print: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  };
  for (const register of [registerInit, registerVersion, registerDoctor, registerBuild, registerCollect, registerVerify, registerPack, registerPublish, registerTrust, registerArchive, registerRelease, registerWorkflow, registerSchema]) {
    register(program, context);
  }
  return program;
}

function resolveTargets(config: ReleaseConfig, names: string[]): Target[] {
  return names.map((name) => {
    const target = resolveTarget(name);
    if (!config.targets.includes(target)) {
      throw new UsageError(`target ${target.platform} is not in the targets of ${config.configPath}; add it there or pick one of ${config.targets.map((t) => t.platform).join(', ')}`);
    }
    return target;
  });
}

/** Runs the CLI; resolves to the exit code (0 ok, 1 a step failed, 2 bad usage or config). */
export async function main(argv: string[]): Promise<number> {
  try {
    await createProgram().parseAsync(argv);
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
