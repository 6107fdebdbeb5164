import type { Command } from 'commander';
import { StepError } from '../errors.js';
import { renderTableWithDetails } from '../ui/table.js';
import { commandLines } from '../ui/width.js';
import type { CliContext } from './context.js';

export function register(program: Command, context: CliContext): void {
  program
    .command('trust')
    .description('print (or --run) the npm trusted-publisher set-up (npm trust github …) for every package of the release')
    .option('--registry <url>', "npm registry (default: npm's configured registry)")
    .option('--run', 'run the commands with your npm login (npm >= 11.15, two-factor authentication; npm may ask for a one-time password)')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nThe repository, workflow file and environment come from binship.toml ([project] repository,\n[workflow] path and environment). A package must exist before it can trust a publisher:\npublish a new package once with a token or npm login first. See docs/publishing.md.',
    )
    .action(async (options: { registry?: string; run?: boolean; json?: boolean }) => {
      const { trust } = await import('../npm/trust.js');
      // With --json, npm's own output and prompts go to stderr so stdout stays JSON.
      const result = await trust({
        config: context.loadConfig(),
        registry: options.registry,
        run: options.run,
        npmOutput: options.json ? 'stderr' : 'inherit',
      });
      if (options.json) {
        context.print(JSON.stringify(result, null, 2));
      } else {
        context.report(
          renderTableWithDetails(
            ['package', 'status'],
            result.entries.map((e) => [e.package, e.status]),
            'detail',
            result.entries.map((e) => (e.status === 'ready' ? '' : e.detail)),
          ),
        );
        const missing = result.entries.filter((e) => e.status === 'not-on-registry');
        if (missing.length > 0) {
          context.report(
            `\n${missing.length} of ${result.entries.length} packages are not on ${result.registry} yet. A trusted publisher can only be set up for a package that exists, and trusted publishing cannot create one: publish this release once with a token or npm login (docs/publishing.md), then run binship trust again.`,
          );
        }
        const ready = result.entries.filter((e) => e.status === 'ready');
        if (!options.run && ready.length > 0) {
          // The commands wrap with shell continuations, so they can still be copied.
          context.report(
            `\nTrusted publisher: ${result.repository}, workflow ${result.file}, environment ${result.environment}.\nWith your npm login (npm >= 11.15), run binship trust --run, or:\n\n${ready.map((e) => commandLines(e.command)).join('\n')}`,
          );
        }
      }
      const notDone = result.entries.filter((e) => e.status === 'failed' || e.status === 'other-publisher' || (options.run && e.status === 'not-on-registry'));
      if (notDone.length > 0) throw new StepError(notDone.map((e) => `${e.package}: ${e.detail}`).join('\n'));
    });
}
