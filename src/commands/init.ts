import type { Command } from 'commander';
import { displayPath } from '../ui/paths.js';
import type { CliContext } from './context.js';

export function register(program: Command, context: CliContext): void {
  program
    .command('init')
    .description('write a first release config (--config, default binship.toml) from the Cargo workspace and git remote')
    .option('--workspace <dir>', "Cargo workspace directory (default: the config's directory)")
    .option('--scope <scope>', 'npm scope of the packages, e.g. @acme (default: unscoped names)')
    .option('--repository <url>', "GitHub repository URL (default: a crate's repository, else git remote origin)")
    .option('--toolchain <version>', "exact Rust version CI installs (default: rust-toolchain.toml, else this machine's rustc)")
    .option('--force', 'replace an existing config')
    .option('--json', 'print JSON')
    .action(async (options: { workspace?: string; scope?: string; repository?: string; toolchain?: string; force?: boolean; json?: boolean }) => {
      const { init } = await import('../init.js');
      const configPath = program.opts<{ config: string }>().config;
      const { config, version } = await init({ configPath, workspaceDir: options.workspace, ...options });
      if (options.json) {
        context.print(
          JSON.stringify(
            {
              config: config.configPath,
              version,
              targets: config.targets.map((t) => t.platform),
              binaries: config.binaries.map((b) => ({ name: b.name, crate: b.crate, package: b.package, platformPackage: b.platformPackage })),
            },
            null,
            2,
          ),
        );
        return;
      }
      context.report(
        [
          `wrote ${displayPath(config.configPath)}: version ${version}, ${config.targets.length} targets`,
          ...config.binaries.map((b) => `  ${b.name} (crate ${b.crate}) -> npm ${b.package} + ${b.platformPackage}`),
          'next: binship doctor, then binship release --local; binship workflow writes the CI workflow',
        ].join('\n'),
      );
    });
}
