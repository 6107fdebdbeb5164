import type { Command } from 'commander';
import type { CliContext } from './context.js';

export function register(program: Command, context: CliContext): void {
  program
    .command('version')
    .description("print the release version (the Cargo workspace version); binship --version prints binship's")
    .option('--check-tag <tag>', 'fail unless the git tag (v1.2.3) matches the version')
    .option('--json', 'print JSON')
    .action(async (options: { checkTag?: string; json?: boolean }) => {
      const { checkTag, releaseVersion } = await import('../cargo.js');
      const config = context.loadConfig();
      const version = await releaseVersion(config);
      if (options.checkTag) checkTag(options.checkTag, version, config);
      context.print(options.json ? JSON.stringify({ version, tag: options.checkTag ?? null }) : version);
    });
}
