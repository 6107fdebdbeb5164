// The release config schema (binship.toml). Field descriptions double as the generated JSON
// Schema's documentation, so editors show them on hover. Error messages say what to write.

import semver from 'semver';
import { z } from 'zod';
import { npmNameProblem } from '../npm/package-name.js';
import { RUNNER_GLIBC_FLOOR, TARGETS } from '../targets.js';
import { type PathRule, projectPathProblem } from './paths.js';

const targetNames = TARGETS.flatMap((t) => [t.triple, t.platform]);

/** A string that passes `problem` (which returns why not), reported as `must ...: <why>`. */
function checked(problem: (value: string) => string | undefined, must: string) {
  return z.string().superRefine((value, ctx) => {
    const why = problem(value);
    if (why !== undefined) ctx.addIssue({ code: 'custom', message: `${must}${why ? ` (${why})` : ''}` });
  });
}

const npmName = checked(npmNameProblem, 'must be a name npm accepts for a new package, e.g. "@acme/widget"');

/** Every platform package name the pattern gives, for every target binship knows (not only those listed). */
function platformPackageNames(pattern: string): string[] {
  return TARGETS.map((t) => pattern.replace('{platform}', t.platform));
}

const platformPattern = checked(
  (value) => (value.includes('{platform}') ? platformPackageNames(value).map(npmNameProblem).find(Boolean) : ''),
  'must contain "{platform}" and give a name npm accepts for every platform, e.g. "@acme/widget-{platform}"',
);

/**
 * The launcher runs whatever path the override variable holds, so it must be a variable of its
 * own: one no system or tool sets. Every such name ends in _BINARY_PATH or _BINARY (none of
 * PATH, HOME, LD_PRELOAD, NODE_OPTIONS... does), outside the prefixes npm and Yarn read
 * wholesale as their configuration (Windows matches names without regard to case).
 */
function overrideEnvProblem(name: string): string | undefined {
  if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) return 'not UPPER_SNAKE_CASE';
  if (!/_BINARY(_PATH)?$/.test(name)) return 'it does not end in _BINARY_PATH or _BINARY, so it could be a variable users already set for something else';
  if (/^(NPM_CONFIG_|YARN_)/.test(name)) return 'npm or Yarn read every variable with that prefix as their configuration';
  return undefined;
}

const OVERRIDE_ENV_RULE = 'must be a variable of its own, e.g. "WIDGET_BINARY_PATH"';

/** The override variable of a binary: its own, or NAME_BINARY_PATH from the binary name. */
export function overrideEnvOf(binary: { name: string; override_env?: string }): string {
  return binary.override_env ?? `${binary.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_BINARY_PATH`;
}

/** A path from the config, checked as written (docs/config.md says which may be what). */
function projectPathField(rule: PathRule = {}) {
  return checked((value) => projectPathProblem(value, rule), 'must be a path inside the project');
}

/**
 * Rust's standard library needs glibc 2.17 or newer; 2.44 (August 2026) is the newest glibc
 * release. A floor outside that range is one no toolchain can build for or no system has.
 * Raise GLIBC_NEWEST_MINOR when glibc releases (February and August).
 */
const GLIBC_OLDEST_MINOR = 17;
const GLIBC_NEWEST_MINOR = 44;

const glibcFloor = z
  .string()
  .regex(/^2\.(0|[1-9]\d*)$/, { error: 'must be a glibc version such as "2.34"', abort: true })
  .refine(
    (value) => {
      const minor = Number(value.split('.')[1]);
      return minor >= GLIBC_OLDEST_MINOR && minor <= GLIBC_NEWEST_MINOR;
    },
    {
      error: `must be a glibc version from 2.${GLIBC_OLDEST_MINOR} (the oldest Rust supports) to 2.${GLIBC_NEWEST_MINOR} (the newest release), such as "2.34"`,
    },
  );

const SIZE_UNITS: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };
const SIZE_TEXT = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)\s*$/;

/** Bytes of a size from the config (`"10MB"`, `"8MiB"` or a number of bytes), whole bytes rounded down. */
export function sizeInBytes(value: number | string): number {
  if (typeof value === 'number') return value;
  const match = SIZE_TEXT.exec(value);
  return match ? Math.floor(Number(match[1]) * (SIZE_UNITS[match[2] as string] as number)) : Number.NaN;
}

const size = z
  .union([z.number().int().positive(), z.string().regex(SIZE_TEXT, { error: 'must be a size such as "10MB", "8MiB" or a number of bytes' })])
  .refine((value) => !(sizeInBytes(value) < 1), { error: 'must be at least 1 byte, e.g. "10MB"' }) // NaN: the regex reports it
  .refine((value) => !(sizeInBytes(value) > Number.MAX_SAFE_INTEGER), { error: 'is larger than any file; write e.g. "10MB"' });

/** Node's timers hold at most 2^31-1 ms (about 24.8 days); a longer timeout would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const smoke = z
  .strictObject({
    args: z.array(z.string()).default([]).describe('Arguments the smoke run passes to the binary.'),
    stdin: z.string().optional().describe("Text written to the binary's standard input (then closed)."),
    expect_stdout: z
      .string()
      .optional()
      .describe('A regular expression the standard output must match.')
      .refine((value) => value === undefined || isRegExp(value), { error: 'must be a valid regular expression' }),
    expect_exit: z.number().int().min(0).max(255).default(0).describe('Exit code the smoke run must end with.'),
    timeout_ms: z
      .number()
      .int()
      .positive()
      .max(MAX_TIMER_MS, { error: `must be at most ${MAX_TIMER_MS} ms (what a timer holds)` })
      .default(10_000)
      .describe('How long the smoke run may take, in milliseconds.'),
  })
  .describe('A quick run that proves the binary works, done wherever the host can run it.');

const binary = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { error: 'must be a Cargo binary name such as "widget"' })
    .describe('The Cargo binary target name (the executable file name without .exe).'),
  crate: z.string().min(1).describe('The workspace package (crate) that defines the binary.'),
  package: npmName.describe('The npm main package users install, e.g. "widget" or "@acme/widget".'),
  platform_package: platformPattern.describe('Name pattern of the platform packages, with {platform}.'),
  description: z.string().min(1).describe('One line for the npm package descriptions.'),
  override_env: checked(overrideEnvProblem, OVERRIDE_ENV_RULE)
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
      homepage: z.httpUrl({ error: 'must be an http(s) URL, e.g. "https://acme.dev/widget"' }).optional().describe('Homepage of the packages (http or https).'),
    }),
    cargo: z
      .strictObject({
        workspace: projectPathField({ project: true })
          .default('.')
          .describe('Directory of the Cargo workspace, relative to this file and inside its directory.'),
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
        glibc_floor: glibcFloor.default(RUNNER_GLIBC_FLOOR).describe('Highest GLIBC_x.y symbol version a Linux glibc binary may require.'),
        macos_floor: z
          .string()
          .regex(/^\d+\.\d+(\.\d+)?$/, { error: 'must be a macOS version such as "10.12" or "11.0"' })
          .default('10.12')
          .describe('Oldest macOS the binaries must start on (arm64: at least 11.0, the first Apple Silicon macOS).'),
      })
      .default({ max_size: '10MB', glibc_floor: RUNNER_GLIBC_FLOOR, macos_floor: '10.12' }),
    dist: projectPathField().default('dist').describe('Output directory for collected binaries and packages, inside the project.'),
    npm: z
      .strictObject({
        node_engine: z
          .string()
          .refine((value) => semver.validRange(value) !== null, { error: 'must be a semver range such as ">=18"' })
          // The launcher runs on Node.js 18 and newer: a range without any such version is a typo.
          .refine((value) => semver.validRange(value) === null || semver.intersects(value, '>=18.0.0'), {
            error: 'must admit a Node.js version the launcher runs on (18 or newer), such as ">=18"',
          })
          .default('>=18')
          .describe('engines.node of the main packages.'),
        access: z.enum(['public', 'restricted']).default('public'),
        readme: projectPathField().optional().describe('README file copied into every main package, inside the project.'),
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
          .regex(/^\d+\.\d+\.\d+$/, { error: 'must be an exact npm version such as "11.21.2"' })
          .default('11.21.2')
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
        npm_version: '11.21.2',
        install: 'npm ci --ignore-scripts',
        command: 'npx binship',
      }),
  })
  .superRefine((config, ctx) => {
    // Names that must be unique across all binaries. Binary and variable names are compared
    // without case (Windows and macOS file systems, Windows environments); every package name
    // a binary gives, main or platform (for every target binship knows), is one namespace.
    const owners = new Map<string, string>();
    const claim = (key: string, owner: string, at: (string | number)[], shown: string): boolean => {
      const previous = owners.get(key);
      if (previous) ctx.addIssue({ code: 'custom', path: at, message: `"${shown}" is already used by ${previous}; each binary needs its own` });
      else owners.set(key, owner);
      return !previous;
    };
    config.binaries.forEach((b, i) => {
      const at = (field: string) => ['binaries', i, field];
      claim(`name:${b.name.toLowerCase()}`, `binaries[${i}].name`, at('name'), b.name);
      claim(`package:${b.package}`, `binaries[${i}].package`, at('package'), b.package);
      if (b.platform_package.includes('{platform}')) {
        const names = platformPackageNames(b.platform_package);
        // One message per field is enough: stop at the first name that is taken.
        TARGETS.every((t, j) => claim(`package:${names[j]}`, `binaries[${i}].platform_package (${t.platform})`, at('platform_package'), names[j] as string));
      }
      const env = overrideEnvOf(b);
      const problem = b.override_env === undefined ? overrideEnvProblem(env) : undefined;
      if (problem)
        ctx.addIssue({
          code: 'custom',
          path: at('override_env'),
          message: `the default "${env}" (from the binary name) is not usable (${problem}); set override_env to a name of its own such as "MYTOOL_BINARY_PATH"`,
        });
      claim(`env:${env.toUpperCase()}`, `binaries[${i}].override_env`, at('override_env'), env);
    });
  });

export type RawConfig = z.output<typeof configSchema>;

/**
 * Every CI job runs the install command, the publish job with `id-token: write`: a dependency's
 * install script could mint an npm token there. Each npm, pnpm or Yarn install in the command
 * (`a && b; c` are checked one by one) must switch scripts off; other commands are the project's call.
 */
function blocksInstallScripts(command: string): boolean {
  // A `#` that starts a word starts a shell comment: a flag after it is never passed.
  const code = command.replace(/(^|\s)#.*$/gm, '$1');
  return code.split(/&&|\|\||[;|\n]/).every((segment) => !installsWithScripts(segment));
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
  // The last word on the matter wins; npm's option parser takes a `true` or `false` after a
  // boolean flag as its value (`--ignore-scripts false` runs scripts).
  let scriptsOff = false;
  args.forEach((word, i) => {
    if (word === '--ignore-scripts') scriptsOff = args[i + 1] !== 'false';
    else if (word === '--ignore-scripts=true' || word === '--mode=skip-build' || (word === '--mode' && args[i + 1] === 'skip-build')) scriptsOff = true;
    else if (word === '--ignore-scripts=false' || word === '--no-ignore-scripts') scriptsOff = false;
  });
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
