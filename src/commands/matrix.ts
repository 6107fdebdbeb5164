import { type Command, Option } from 'commander';
import type { CliContext } from './context.js';

export function register(program: Command, context: CliContext): void {
  program
    .command('matrix')
    .description('print the CI plan as $GITHUB_OUTPUT lines: matrix=<json> (one entry per target), version=, dist-tag=')
    .option('--dist-tag <tag>', 'npm dist-tag of a manual run (default: from the version: latest, or the prerelease name)')
    .addOption(
      new Option(
        '--publish <bool>',
        'with --dist-tag: whether the manual run publishes (then the version must be a prerelease, unless GITHUB_REF is its own tag vX.Y.Z)',
      )
        .choices(['true', 'false'])
        .default('false'),
    )
    .option('--json', 'print the plan as one JSON object instead')
    .action(async (options: { distTag?: string; publish: 'true' | 'false'; json?: boolean }) => {
      const [{ releaseVersion }, { formatPlanOutputs, planOutputs }] = await Promise.all([import('../cargo.js'), import('../workflow/matrix.js')]);
      const config = context.loadConfig();
      const version = await releaseVersion(config);
      // GITHUB_REF: a manual publish of a release version is allowed on that version's own tag.
      const plan = planOutputs(config, version, options.distTag, options.publish === 'true', process.env.GITHUB_REF);
      context.print(options.json ? JSON.stringify(plan, null, 2) : formatPlanOutputs(plan));
    });
}
