// The release config schema (binship.toml). Field descriptions double as the generated JSON
// Schema's documentation, so editors show them on hover. Error messages say what to write.

import semver from 'semver';
import { z } from 'zod';
import { RUNNER_GLIBC_FLOOR, TARGETS } from '../targets.js';

const targetNames = TARGETS.flatMap((t) => [t.triple, t.platform]);

const npmName = z
  .string()
  .regex(/^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/, {
    error: 'must be a valid npm package name (lowercase, optional @scope/, e.g. "@leanspec/mcp")',
  });

const platformPattern = z
  .string()
  .refine((value) => value.includes('{platform}'), {
    error: 'must contain "{platform}", e.g. "@leanspec/cli-{platform}"',
  })
  .refine((value) => npmName.safeParse(value.replace('{platform}', 'linux-x64')).success, {
    error: 'must give a valid npm package name once {platform} is filled in, e.g. "@leanspec/cli-{platform}"',
  });

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, {
  error: 'must be an environment variable name in UPPER_SNAKE_CASE, e.g. "LEANSPEC_BINARY_PATH"',
});

const size = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|KiB|MiB|GiB)\s*$/, {
      error: 'must be a size such as "10MB", "8MiB" or a number of bytes',
    })
    .refine((value) => !(Number.parseFloat(value) <= 0), { error: 'must be larger than 0, e.g. "10MB"' }), // NaN: the regex reports it
]);

const smoke = z
  .strictObject({
    args: z.array(z.string()).default([]).describe('Arguments the smoke run passes to the binary.'),
    stdin: z.string().optional().describe('Text written to the binary\'s standard input (then closed).'),
    expect_stdout: z
      .string()
      .optional()
      .describe('A regular expression the standard output must match.')
      .refine((value) => value === undefined || isRegExp(value), { error: 'must be a valid regular expression' }),
    expect_exit: z.number().int().min(0).max(255).default(0).describe('Exit code the smoke run must end with.'),
    timeout_ms: z.number().int().positive().default(10_000).describe('How long the smoke run may take.'),
  })
  .describe('A quick run that proves the binary works, done wherever the host can run it.');

const binary = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { error: 'must be a Cargo binary name such as "lean-spec"' })
    .describe('The Cargo binary target name (the executable file name without .exe).'),
  crate: z.string().min(1).describe('The workspace package (crate) that defines the binary.'),
  package: npmName.describe('The npm main package users install, e.g. "lean-spec".'),
  platform_package: platformPattern.describe('Name pattern of the platform packages, with {platform}.'),
  description: z.string().min(1).describe('One line for the npm package descriptions.'),
  override_env: envName
    .optional()
    .describe('Environment variable that makes the launcher run another binary (default: NAME_BINARY_PATH).'),
  smoke: smoke.optional(),
});

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    project: z.strictObject({
      name: z.string().min(1).describe('Project name, used in messages and the workflow name.'),
      repository: z
        .string()
        .regex(/^https:\/\/github\.com\/[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\/(?!.*\.git$)[A-Za-z0-9._-]+$/, {
          error: 'must be the GitHub URL of the repository without ".git", query or trailing slash, e.g. "https://github.com/owner/repo"',
        })
        .describe('GitHub repository URL; npm provenance requires it to match the publishing repository.'),
      license: z.string().min(1).describe('SPDX license of the published packages.'),
      homepage: z.string().url().optional(),
    }),
    cargo: z
      .strictObject({
        workspace: z.string().default('.').describe('Directory of the Cargo workspace, relative to this file.'),
        version_source: z
          .string()
          .regex(/^(workspace|crate:[A-Za-z0-9_-]+)$/, {
            error: 'must be "workspace" (the [workspace.package] version) or "crate:NAME"',
          })
          .default('workspace')
          .describe('Where the release version comes from: the one version every part ships with.'),
        toolchain: z
          .string()
          .regex(/^\d+\.\d+\.\d+$/, { error: 'must be an exact Rust version such as "1.95.0"' })
          .describe('Exact Rust version CI builds with.'),
      })
      .describe('The Cargo workspace that builds the binaries.'),
    binaries: z.array(binary).min(1, { error: 'must list at least one [[binaries]] entry' }),
    targets: z
      .array(
        z.string().refine((name) => targetNames.includes(name), {
          error: `must be a target triple or platform: ${TARGETS.map((t) => t.platform).join(', ')}`,
        }),
      )
      .min(1, { error: 'must list at least one target' })
      .describe('Targets to ship, by Rust triple or platform key.'),
    verify: z
      .strictObject({
        max_size: size.default('10MB').describe('Largest allowed binary.'),
        glibc_floor: z
          .string()
          .regex(/^2\.\d+$/, { error: 'must be a glibc version such as "2.34"' })
          .default(RUNNER_GLIBC_FLOOR)
          .describe('Highest GLIBC_x.y symbol version a Linux glibc binary may require.'),
      })
      .default({ max_size: '10MB', glibc_floor: RUNNER_GLIBC_FLOOR }),
    dist: z.string().default('dist').describe('Output directory for collected binaries and packages.'),
    npm: z
      .strictObject({
        node_engine: z
          .string()
          .refine((value) => semver.validRange(value) !== null, { error: 'must be a semver range such as ">=18"' })
          .default('>=18')
          .describe('engines.node of the main packages.'),
        access: z.enum(['public', 'restricted']).default('public'),
        readme: z.string().optional().describe('README file copied into every main package.'),
      })
      .default({ node_engine: '>=18', access: 'public' }),
    workflow: z
      .strictObject({
        path: z
          .string()
          .regex(/^\.github\/workflows\/[A-Za-z0-9._-]+\.ya?ml$/, {
            error: 'must be a file directly in .github/workflows/ ending in .yml, e.g. ".github/workflows/rust-binaries.yml"',
          })
          .default('.github/workflows/rust-binaries.yml'),
        environment: z.string().default('npm-publish').describe('Protected GitHub environment of the publish job.'),
        node_version: z
          .string()
          .regex(/^\d+(\.\d+){0,2}$/, { error: 'must be a Node.js version such as "24" or "24.11.1" (no ranges or aliases)' })
          .default('24')
          .describe('Node.js version in CI (npm trusted publishing needs >= 22.14).'),
        npm_version: z
          .string()
          .regex(/^\d+\.\d+\.\d+$/, { error: 'must be an exact npm version such as "11.6.2"' })
          .default('11.6.2')
          .describe('npm version in CI (trusted publishing needs >= 11.5.1).'),
        install: z
          .string()
          .refine(blocksInstallScripts, {
            error:
              'must not run dependencies\' install scripts (the publish job can mint npm tokens); add --ignore-scripts (npm, pnpm, Yarn 1) or --mode=skip-build (Yarn 2+), e.g. "npm ci --ignore-scripts"',
          })
          .default('npm ci --ignore-scripts')
          .describe('Command that installs binship in a CI job; it must not run install scripts.'),
        command: z.string().default('npx binship').describe('How a CI step invokes binship.'),
      })
      .default({
        path: '.github/workflows/rust-binaries.yml',
        environment: 'npm-publish',
        node_version: '24',
        npm_version: '11.6.2',
        install: 'npm ci --ignore-scripts',
        command: 'npx binship',
      }),
  })
  .superRefine((config, ctx) => {
    const seen = new Map<string, string>();
    config.binaries.forEach((b, i) => {
      const fields = [['name', b.name], ['package', b.package], ['platform_package', b.platform_package], ['override_env', b.override_env]] as const;
      for (const [field, value] of fields) {
        if (value === undefined) continue;
        const key = `${field}:${value}`;
        if (seen.has(key)) {
          ctx.addIssue({
            code: 'custom',
            path: ['binaries', i, field],
            message: `"${value}" is already used by ${seen.get(key)}; each binary needs its own`,
          });
        }
        seen.set(key, `binaries[${i}]`);
      }
    });
  });

export type RawConfig = z.output<typeof configSchema>;

/**
 * Every CI job runs the install command, the publish job with `id-token: write`: a dependency's
 * install script could mint an npm token there. Each npm, pnpm or Yarn install in the command
 * (`a && b; c` are checked one by one) must switch scripts off; other commands are the project's call.
 */
function blocksInstallScripts(command: string): boolean {
  return command.split(/&&|\|\||[;|\n]/).every((segment) => !installsWithScripts(segment));
}

const INSTALL_SUBCOMMANDS = { npm: ['ci', 'install', 'i', 'in', 'isntall', 'add'], pnpm: ['install', 'i', 'add'], yarn: ['install', 'add'] };

function installsWithScripts(segment: string): boolean {
  const words = segment.trim().split(/\s+/);
  const at = words.findIndex((word) => /^(npm|pnpm|yarn)$/.test(word.split('/').pop() ?? ''));
  if (at < 0) return false;
  const tool = words[at]!.split('/').pop() as keyof typeof INSTALL_SUBCOMMANDS;
  const args = words.slice(at + 1);
  const subcommand = args.find((word) => !word.startsWith('-'));
  // A bare `yarn` installs.
  const installs = subcommand === undefined ? tool === 'yarn' : INSTALL_SUBCOMMANDS[tool].includes(subcommand);
  if (!installs) return false;
  const scriptsOff = args.some((word, i) => ['--ignore-scripts', '--ignore-scripts=true', '--mode=skip-build'].includes(word) || (word === '--mode' && args[i + 1] === 'skip-build'));
  return !scriptsOff;
}

function isRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}
