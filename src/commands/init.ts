import path from 'node:path';
import type { Command } from 'commander';
import { init } from '../init.js';
import type { CliContext } from './context.js';

export function register(program: Command, context: CliContext): void {
  program
    .command('init')
    .description('write a first release config (--config, default binship.toml) from the Cargo workspace and git remote')
    .option('--workspace <dir>', 'Cargo workspace directory (default: the config\'s directory)')
    .option('--scope <scope>', 'npm scope of the packages, e.g. @acme (default: unscoped names)')
    .option('--repository <url>', 'GitHub repository URL (default: a crate\'s repository, else git remote origin)')
    .option('--toolchain <version>', 'exact Rust version CI installs (default: rust-toolchain.toml, else this machine\'s rustc)')
    .option('--force', 'replace an existing config')
    .action(async (options: { workspace?: string; scope?: string; repository?: string; toolchain?: string; force?: boolean }) => {
      const configPath = program.opts<{ config: string }>().config;
      const { config, version } = await init({ configPath, workspaceDir: options.workspace, ...options });
      const shown = path.relative(process.cwd(), config.configPath) || config.configPath;
      context.print(
        [
          `wrote ${shown}: version ${version}, ${config.targets.length} targets`,
          ...config.binaries.map((b) => `  ${b.name} (crate ${b.crate}) -> npm ${b.package} + ${b.platformPackage}`),
          'next: binship doctor, then binship release --local; binship workflow writes the CI workflow',
        ].join('\n'),
      );
    });
}
