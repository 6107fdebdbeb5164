// The steps of binship's own release workflow (.github/workflows/release.yml), as commands:
//   node --import tsx scripts/self-release/cli.ts check-tag <tag>
//   node --import tsx scripts/self-release/cli.ts pack <tag> --out <dir>
//   node --import tsx scripts/self-release/cli.ts publish <tag> <dir> [--provenance]
// Errors are one line each; exit 2 for a wrong tag or usage, 1 for a step that failed.

import { appendFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { renderPublishTable } from '../../src/commands/publish.js';
import { BinshipError, errorMessage, StepError } from '../../src/errors.js';
import { unfinished } from '../../src/npm/publish/result.js';
import { PublishRefused } from '../../src/npm/publish.js';
import { redact } from '../../src/redact.js';
import { provenanceInRehearsal } from '../../src/workflow/act/provenance.js';
import { packBinship } from './pack.js';
import { checkReleaseTag, readPackageJson } from './project.js';
import { publishBinship } from './publish.js';

const print = (text: string): void => {
  process.stdout.write(redact(text.endsWith('\n') ? text : `${text}\n`));
};

/** `key=value` lines for later steps and jobs, when running in GitHub Actions. */
function output(values: Record<string, string>): void {
  if (!process.env.GITHUB_OUTPUT) return;
  appendFileSync(
    process.env.GITHUB_OUTPUT,
    Object.entries(values)
      .map(([key, value]) => `${key}=${value}\n`)
      .join(''),
  );
}

function program(): Command {
  const cli = new Command('self-release').description("binship's own release steps (.github/workflows/release.yml)").exitOverride();
  cli
    .command('check-tag <tag>')
    .description("fail unless the tag is v + package.json's version")
    .action((tag: string) => {
      const { version } = readPackageJson();
      checkReleaseTag(tag, version);
      print(`tag ${tag} is binship ${version}`);
    });
  cli
    .command('pack <tag>')
    .description('npm pack, check the tarball against the tag and the source tree, install it and run it')
    .requiredOption('--out <dir>', 'directory for the tarball')
    .action(async (tag: string, options: { out: string }) => {
      const release = await packBinship({ tag, out: options.out });
      print(`${release.file}: ${release.name}@${release.version}, contents checked, installs and runs (${release.integrity})`);
      output({ version: release.version, tarball: release.file });
    });
  cli
    .command('publish <tag> <dir>')
    .description("check the pack job's tarball in <dir> again and publish it (a rerun skips what is out already)")
    .option('--provenance', 'attach npm provenance (in GitHub Actions with id-token: write)')
    .action(async (tag: string, dir: string, options: { provenance?: boolean }) => {
      const provenance = provenanceInRehearsal(options.provenance, print);
      try {
        const result = await publishBinship({ tag, dir, provenance });
        print(`${renderPublishTable(result)}credentials: ${result.auth}; dist-tag ${result.tag}; registry ${result.registry}`);
        const failed = unfinished(result);
        if (failed.length > 0) throw new StepError(failed.map((r) => `${r.name}@${r.version}: ${r.detail}`).join('\n'));
        if (result.trust)
          print(
            `first release of binship: let the next one publish by trusted publishing (OIDC), then delete the NPM_TOKEN secret:\n  ${result.trust.join(' ')}`,
          );
      } catch (error) {
        if (error instanceof PublishRefused) print(renderPublishTable(error.result));
        throw error;
      }
    });
  return cli;
}

try {
  await program().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (error instanceof BinshipError) {
    for (const line of redact(error.message).split('\n')) process.stderr.write(`binship release: error: ${line}\n`);
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write(redact(`binship release: internal error: ${errorMessage(error)}\n${error instanceof Error ? error.stack : ''}\n`));
    process.exitCode = 1;
  }
}
