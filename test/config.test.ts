import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { configJsonSchema } from '../src/config/json-schema.js';
import { loadConfig, parseConfig, platformPackageName } from '../src/config/load.js';
import { UsageError } from '../src/errors.js';
import { binship, EXAMPLE_CONFIG, EXAMPLE_ROOT, REPO_ROOT, scratch, VERSION, writeConfig } from './support/project.js';

const base = readFileSync(EXAMPLE_CONFIG, 'utf8');

test('LeanSpec ships lean-spec and @leanspec/mcp for all eight targets', () => {
  const config = loadConfig(EXAMPLE_CONFIG);
  assert.equal(config.targets.length, 8);
  assert.deepEqual(
    config.binaries.map((b) => [b.name, b.crate, b.package]),
    [
      ['lean-spec', 'leanspec-cli', 'lean-spec'],
      ['leanspec-mcp', 'leanspec-mcp', '@leanspec/mcp'],
    ],
  );
  const [cli, mcp] = config.binaries;
  assert.deepEqual(
    config.targets.map((t) => platformPackageName(cli!, t)),
    config.targets.map((t) => `@leanspec/cli-${t.platform}`),
  );
  assert.equal(platformPackageName(mcp!, config.targets[5]!), '@leanspec/mcp-linux-arm64-musl');
  assert.equal(config.verify.maxSizeBytes, 10_000_000);
  assert.equal(config.verify.glibcFloor, '2.34');
  assert.equal(config.cargo.workspaceDir, path.join(EXAMPLE_ROOT, 'rust'));
  assert.equal(cli!.overrideEnv, 'LEANSPEC_BINARY_PATH');
});

// Each bad config, the edit that makes it, and the message it must get (file, path, fix).
const badConfigs: [string, (text: string) => string, RegExp][] = [
  ['TOML syntax', (t) => t.replace('[project]', '[project'), /^binship\.toml:\d+:\d+: invalid TOML: .*fix the syntax/],
  ['missing table', (t) => t.replace(/\[project\][^[]*/, ''), /^binship\.toml: project: is missing; add it/],
  ['unknown key', (t) => t.replace('[project]', '[project]\ncolour = "blue"'), /^binship\.toml: project: unknown key "colour"; remove it or fix the spelling/],
  [
    'unknown target',
    (t) => t.replace('"darwin-x64", "darwin-arm64"', '"darwin-x64", "linux-riscv64"'),
    /^binship\.toml: targets\[1\]: must be a target triple or platform: darwin-x64, /,
  ],
  [
    'pattern without {platform}',
    (t) => t.replace('"@leanspec/cli-{platform}"', '"@leanspec/cli"'),
    /^binship\.toml: binaries\[0\]\.platform_package: must contain "\{platform\}"/,
  ],
  [
    'invalid npm name',
    (t) => t.replace('package = "lean-spec"', 'package = "Lean Spec"'),
    /^binship\.toml: binaries\[0\]\.package: must be a name npm accepts for a new package, e\.g\. "@acme\/widget" \(name can only contain URL-friendly characters, name can no longer contain capital letters\)/,
  ],
  [
    'npm name over 214 characters',
    (t) => t.replace('package = "lean-spec"', `package = "${'a'.repeat(215)}"`),
    /^binship\.toml: binaries\[0\]\.package: must be a name npm accepts .*more than 214 characters/,
  ],
  [
    'platform package name over 214 characters for one platform',
    (t) => t.replace('"@leanspec/cli-{platform}"', `"@leanspec/${'c'.repeat(190)}-{platform}"`),
    /^binship\.toml: binaries\[0\]\.platform_package: must contain "\{platform\}" and give a name npm accepts for every platform.*214 characters/,
  ],
  [
    'npm name of a Node core module',
    (t) => t.replace('package = "lean-spec"', 'package = "http"'),
    /^binship\.toml: binaries\[0\]\.package: .*http is a core module name/,
  ],
  [
    'main package of one binary is a platform package of another',
    (t) => t.replace('package = "lean-spec"', 'package = "@leanspec/mcp-linux-x64"'),
    /^binship\.toml: binaries\[1\]\.platform_package: "@leanspec\/mcp-linux-x64" is already used by binaries\[0\]\.package; each binary needs its own/,
  ],
  [
    'binary names that differ only in case',
    (t) => t.replace('name = "leanspec-mcp"', 'name = "Lean-Spec"').replace('crate = "leanspec-mcp"', 'crate = "leanspec-cli"'),
    /^binship\.toml: binaries\[1\]\.name: "Lean-Spec" is already used by binaries\[0\]\.name/,
  ],
  [
    'default override variables that collide',
    (t) => t.replace(/override_env = .*\n/g, '').replace('name = "leanspec-mcp"', 'name = "lean_spec"'),
    /^binship\.toml: binaries\[1\]\.override_env: "LEAN_SPEC_BINARY_PATH" is already used by binaries\[0\]\.override_env/,
  ],
  ['no binaries', (t) => t.replace(/\[\[binaries\]\]/g, '[[unused]]'), /unknown key "unused"|binaries: is missing/],
  [
    'toolchain channel',
    (t) => t.replace('toolchain = "1.95.0"', 'toolchain = "stable"'),
    /^binship\.toml: cargo\.toolchain: must be an exact Rust version such as "1\.95\.0"/,
  ],
  ['bad size', (t) => t.replace('max_size = "10MB"', 'max_size = "ten megs"'), /^binship\.toml: verify\.max_size: must be a size such as "10MB"/],
  [
    'bad glibc floor',
    (t) => t.replace('glibc_floor = "2.34"', 'glibc_floor = "3"'),
    /^binship\.toml: verify\.glibc_floor: must be a glibc version such as "2\.34"/,
  ],
  [
    'glibc floor older than Rust supports',
    (t) => t.replace('glibc_floor = "2.34"', 'glibc_floor = "2.5"'),
    /^binship\.toml: verify\.glibc_floor: must be a glibc version from 2\.17 \(the oldest Rust supports\) to 2\.44 \(the newest release\)/,
  ],
  [
    'glibc floor no glibc has',
    (t) => t.replace('glibc_floor = "2.34"', 'glibc_floor = "2.99"'),
    /^binship\.toml: verify\.glibc_floor: must be a glibc version from 2\.17 .* to 2\.44/,
  ],
  ['size budget under one byte', (t) => t.replace('max_size = "10MB"', 'max_size = "0.4B"'), /^binship\.toml: verify\.max_size: must be at least 1 byte/],
  [
    'size budget under one byte in KB',
    (t) => t.replace('max_size = "10MB"', 'max_size = "0.0001KB"'),
    /^binship\.toml: verify\.max_size: must be at least 1 byte/,
  ],
  [
    'size budget beyond any file',
    (t) => t.replace('max_size = "10MB"', 'max_size = "99999999999999GiB"'),
    /^binship\.toml: verify\.max_size: is larger than any file/,
  ],
  [
    'smoke timeout beyond what a timer holds',
    (t) => t.replace('expect_stdout = "Usage" }', 'expect_stdout = "Usage", timeout_ms = 2147483648 }'),
    /^binship\.toml: binaries\[0\]\.smoke\.timeout_ms: must be at most 2147483647 ms/,
  ],
  [
    'homepage that is not http(s)',
    (t) => t.replace('license = "MIT"', 'license = "MIT"\nhomepage = "javascript:alert(1)"'),
    /^binship\.toml: project\.homepage: must be an http\(s\) URL/,
  ],
  [
    'homepage on the file system',
    (t) => t.replace('license = "MIT"', 'license = "MIT"\nhomepage = "file:///etc/passwd"'),
    /^binship\.toml: project\.homepage: must be an http\(s\) URL/,
  ],
  [
    'readme outside the project (absolute)',
    (t) => t.replace('access = "public"', 'access = "public"\nreadme = "/root/.npmrc"'),
    /^binship\.toml: npm\.readme: must be a path inside the project \(is absolute; /,
  ],
  [
    'readme outside the project (..)',
    (t) => t.replace('access = "public"', 'access = "public"\nreadme = "../../../etc/passwd"'),
    /^binship\.toml: npm\.readme: must be a path inside the project \(climbs out of the project with "\.\."/,
  ],
  [
    'readme as a Windows path',
    (t) => t.replace('access = "public"', 'access = "public"\nreadme = "C:/Users/me/.npmrc"'),
    /^binship\.toml: npm\.readme: must be a path inside the project \(is absolute/,
  ],
  [
    'readme with backslashes',
    (t) => t.replace('access = "public"', 'access = "public"\nreadme = "..\\\\..\\\\secret"'),
    /^binship\.toml: npm\.readme: must be a path inside the project \(uses \\ as a separator/,
  ],
  [
    'dist outside the project',
    (t) => t.replace(/^(targets = )/m, 'dist = "../somewhere"\n$1'),
    /^binship\.toml: dist: must be a path inside the project \(climbs out/,
  ],
  [
    'dist that is the project',
    (t) => t.replace(/^(targets = )/m, 'dist = "."\n$1'),
    /^binship\.toml: dist: must be a path inside the project \(names the project directory itself/,
  ],
  [
    'workspace outside the project',
    (t) => t.replace('workspace = "rust"', 'workspace = "/srv/rust"'),
    /^binship\.toml: cargo\.workspace: must be a path inside the project \(is absolute/,
  ],
  [
    'duplicate package',
    (t) => t.replace('package = "@leanspec/mcp"', 'package = "lean-spec"'),
    /^binship\.toml: binaries\[1\]\.package: "lean-spec" is already used by binaries\[0\]\.package; each binary needs its own/,
  ],
  [
    'duplicate target',
    (t) => t.replace('"linux-x64", "linux-arm64"', '"linux-x64", "x86_64-unknown-linux-gnu"'),
    /^binship\.toml: targets\[3\]: "x86_64-unknown-linux-gnu" lists linux-x64 a second time; remove the duplicate/,
  ],
  [
    'bad smoke regex',
    (t) => t.replace('expect_stdout = "Usage"', 'expect_stdout = "Usage("'),
    /^binship\.toml: binaries\[0\]\.smoke\.expect_stdout: must be a valid regular expression/,
  ],
  [
    'not a GitHub URL',
    (t) => t.replace('https://github.com/codervisor/lean-spec', 'https://gitlab.com/x/y/z'),
    /^binship\.toml: project\.repository: must be the GitHub URL of the repository/,
  ],
  [
    'lowercase env name',
    (t) => t.replace('LEANSPEC_BINARY_PATH', 'leanspec_path'),
    /^binship\.toml: binaries\[0\]\.override_env: must be a variable of its own, e\.g\. "WIDGET_BINARY_PATH" \(not UPPER_SNAKE_CASE\)/,
  ],
  ...['PATH', 'HOME', 'LD_PRELOAD', 'NODE_OPTIONS', 'DYLD_INSERT_LIBRARIES', 'COMSPEC'].map((name): [string, (text: string) => string, RegExp] => [
    `override variable ${name}`,
    (t) => t.replace('"LEANSPEC_BINARY_PATH"', `"${name}"`),
    /^binship\.toml: binaries\[0\]\.override_env: must be a variable of its own, e\.g\. "WIDGET_BINARY_PATH" \(it does not end in _BINARY_PATH or _BINARY/,
  ]),
  [
    "override variable in npm's config namespace",
    (t) => t.replace('"LEANSPEC_BINARY_PATH"', '"NPM_CONFIG_NODE_BINARY"'),
    /^binship\.toml: binaries\[0\]\.override_env: .*npm or Yarn read every variable with that prefix/,
  ],
  [
    'default override variable that is not a variable name',
    (t) =>
      t
        .replace(/override_env = .*\n/, '')
        .replace('name = "lean-spec"', 'name = "7z"')
        .replace('crate = "leanspec-cli"', 'crate = "leanspec-cli"'),
    /^binship\.toml: binaries\[0\]\.override_env: the default "7Z_BINARY_PATH" \(from the binary name\) is not usable \(not UPPER_SNAKE_CASE\); set override_env/,
  ],
  [
    'wrong type',
    (t) => t.replace(/targets = \[[^\]]*\]/, 'targets = "linux-x64"'),
    /^binship\.toml: targets: expected array, got string "linux-x64"; change it to a array/,
  ],
  ['zero size budget', (t) => t.replace('max_size = "10MB"', 'max_size = "0MB"'), /^binship\.toml: verify\.max_size: must be at least 1 byte/],
  [
    'engines.node that no Node.js satisfies',
    (t) => t.replace('node_engine = ">=18"', 'node_engine = ">=18 <0"'),
    /^binship\.toml: npm\.node_engine: must admit a Node\.js version the launcher runs on/,
  ],
  [
    "engines.node only below the launcher's Node.js",
    (t) => t.replace('node_engine = ">=18"', 'node_engine = "<18"'),
    /^binship\.toml: npm\.node_engine: must admit a Node\.js version the launcher runs on/,
  ],
  [
    'engines.node not a range',
    (t) => t.replace('node_engine = ">=18"', 'node_engine = "banana"'),
    /^binship\.toml: npm\.node_engine: must be a semver range such as ">=18"/,
  ],
  [
    'shared override variable',
    (t) => t.replace('LEANSPEC_MCP_BINARY_PATH', 'LEANSPEC_BINARY_PATH'),
    /^binship\.toml: binaries\[1\]\.override_env: "LEANSPEC_BINARY_PATH" is already used by binaries\[0\]\.override_env/,
  ],
  [
    'repository URL with .git',
    (t) => t.replace('codervisor/lean-spec"', 'codervisor/lean-spec.git"'),
    /^binship\.toml: project\.repository: must be the GitHub URL of the repository without "\.git"/,
  ],
  [
    'repository URL with a query',
    (t) => t.replace('codervisor/lean-spec"', 'codervisor/lean-spec?x=1"'),
    /^binship\.toml: project\.repository: must be the GitHub URL/,
  ],
  [
    'workflow outside .github/workflows',
    (t) => t.replace('path = ".github/workflows/rust-binaries.yml"', 'path = "../../etc/x.yml"'),
    /^binship\.toml: workflow\.path: must be a file directly in \.github\/workflows\//,
  ],
  [
    'Node version alias',
    (t) => t.replace('[workflow]', '[workflow]\nnode_version = "lts/hydrogen"'),
    /^binship\.toml: workflow\.node_version: must be a Node\.js version such as "24"/,
  ],
  [
    'npm version range',
    (t) => t.replace('[workflow]', '[workflow]\nnpm_version = "^11"'),
    /^binship\.toml: workflow\.npm_version: must be an exact npm version/,
  ],
  [
    'install that runs install scripts',
    (t) => t.replace('npm install --global --ignore-scripts binship@0.1.0', 'npm ci && npm run build'),
    /^binship\.toml: workflow\.install: must not run dependencies' install scripts .*add --ignore-scripts/,
  ],
  [
    'install scripts switched back on',
    (t) => t.replace('npm install --global --ignore-scripts binship@0.1.0', 'npm ci --ignore-scripts=false'),
    /^binship\.toml: workflow\.install: must not run dependencies' install scripts/,
  ],
  [
    'a second install that runs scripts',
    (t) => t.replace('npm install --global --ignore-scripts binship@0.1.0', 'npm ci --ignore-scripts && npm i left-pad'),
    /^binship\.toml: workflow\.install: must not run dependencies' install scripts/,
  ],
  [
    'install scripts switched back on by a value',
    (t) => t.replace('npm install --global --ignore-scripts binship@0.1.0', 'npm install --global --ignore-scripts false binship@0.1.0'),
    /^binship\.toml: workflow\.install: must not run dependencies' install scripts/,
  ],
  [
    'install scripts switched off only in a comment',
    (t) => t.replace('npm install --global --ignore-scripts binship@0.1.0', 'npm install --global binship@0.1.0 # --ignore-scripts'),
    /^binship\.toml: workflow\.install: must not run dependencies' install scripts/,
  ],
  [
    'install scripts switched off, then on again',
    (t) => t.replace('npm install --global --ignore-scripts binship@0.1.0', 'npm install --ignore-scripts --global binship@0.1.0 --no-ignore-scripts'),
    /^binship\.toml: workflow\.install: must not run dependencies' install scripts/,
  ],
  [
    'a bare yarn install',
    (t) => t.replace('npm install --global --ignore-scripts binship@0.1.0', 'yarn'),
    /^binship\.toml: workflow\.install: must not run dependencies' install scripts/,
  ],
];

for (const [name, edit, message] of badConfigs) {
  test(`bad config: ${name}`, () => {
    const text = edit(base);
    assert.notEqual(text, base, 'the edit must change the config');
    assert.throws(
      () => parseConfig(text, '/project/binship.toml'),
      (error: unknown) => {
        assert.ok(error instanceof UsageError, String(error));
        assert.equal(error.exitCode, 2);
        assert.match(error.message, message);
        return true;
      },
    );
  });
}

test('install commands that keep scripts off are accepted', () => {
  for (const install of [
    'npm ci --ignore-scripts',
    'pnpm install --frozen-lockfile --ignore-scripts',
    'yarn install --immutable --mode=skip-build',
    'yarn --mode skip-build',
    'npm ci --ignore-scripts && npm run build',
    './scripts/install.sh',
  ]) {
    assert.doesNotThrow(() => parseConfig(base.replace('npm install --global --ignore-scripts binship@0.1.0', install), '/project/binship.toml'), install);
  }
});

test('several problems are reported together, one line each', () => {
  const text = base.replace('max_size = "10MB"', 'max_size = "x"').replace('glibc_floor = "2.34"', 'glibc_floor = "x"');
  assert.throws(
    () => parseConfig(text, '/p/binship.toml'),
    (error: Error) => error.message.split('\n').length === 2,
  );
});

test('CLI: config errors exit 2 with the message; a missing config says how to create one', async () => {
  const dir = scratch();
  const bad = await binship(['--config', writeConfig(dir, (t) => t.replace('glibc_floor = "2.34"', 'glibc_floor = "x"')), 'version']);
  assert.equal(bad.exitCode, 2);
  assert.match(bad.stderr, /^binship: error: binship\.toml: verify\.glibc_floor: must be a glibc version/m);
  const missing = await binship(['version'], { cwd: `${dir}/..` });
  assert.equal(missing.exitCode, 2);
  assert.match(missing.stderr, /no release config found; create binship\.toml \(see docs\/config\.md\) or pass --config PATH/);
});

test('CLI: a crate or binary that is not in the workspace is a config error naming the fix', async () => {
  const dir = scratch();
  const noCrate = await binship([
    '--config',
    writeConfig(dir, (t) => t.replace('crate = "leanspec-cli"', 'crate = "leanspec-cly"')),
    'build',
    '--target',
    'linux-x64',
  ]);
  assert.equal(noCrate.exitCode, 2);
  assert.match(
    noCrate.stderr,
    /binary "lean-spec": crate "leanspec-cly" is not in the Cargo workspace \(members: .*leanspec-cli.*\); fix "crate" in binship\.toml/,
  );
  const noBinary = await binship([
    '--config',
    writeConfig(dir, (t) => t.replace('name = "lean-spec"', 'name = "leanspec"').replace('LEANSPEC_BINARY_PATH', 'LEANSPEC_BINARY_PATH')),
    'build',
    '--target',
    'linux-x64',
  ]);
  assert.equal(noBinary.exitCode, 2);
  assert.match(noBinary.stderr, /binary "leanspec": crate "leanspec-cli" has no binary of that name \(it has: lean-spec\)/);
});

test('CLI: unknown target and missing build mode are usage errors', async () => {
  const unknown = await binship(['build', '--target', 'sparc-sun-solaris']);
  assert.equal(unknown.exitCode, 2);
  assert.match(unknown.stderr, /unknown target "sparc-sun-solaris": use one of /);
  const neither = await binship(['build']);
  assert.equal(neither.exitCode, 2);
  assert.match(neither.stderr, /needs either --target T \(repeatable\) or --local/);
  const option = await binship(['build', '--colour']);
  assert.equal(option.exitCode, 2);
});

test('CLI: a local release may only go to a registry on this machine', async () => {
  const remote = await binship(['release', '--local', '--registry', 'https://registry.npmjs.org/']);
  assert.equal(remote.exitCode, 2);
  assert.match(remote.stderr, /a local release publishes only the targets this machine builds, so it goes to a registry on this machine/);
  assert.equal((await binship(['release'])).exitCode, 2);
  // A DNS name that merely starts with 127. is not this machine.
  const lookalike = await binship(['release', '--local', '--registry', 'http://127.example.com:4873/']);
  assert.equal(lookalike.exitCode, 2);
  assert.match(lookalike.stderr, /goes to a registry on this machine/);
  const notUrl = await binship(['release', '--local', '--registry', 'localhost:4873']);
  assert.equal(notUrl.exitCode, 2);
  assert.match(notUrl.stderr, /--registry "localhost:4873" is not an http\(s\) URL; give the registry's URL, e\.g\. .*http:\/\/127\.0\.0\.1:4873\//);
});

test('version is the Cargo workspace version; --check-tag names the file to change', async () => {
  const version = await binship(['version']);
  assert.equal(version.stdout.trim(), VERSION);
  assert.equal((await binship(['version', '--check-tag', `v${VERSION}`])).exitCode, 0);
  assert.equal((await binship(['version', '--check-tag', `refs/tags/v${VERSION}`])).exitCode, 0);
  const mismatch = await binship(['version', '--check-tag', 'v9.9.9']);
  assert.equal(mismatch.exitCode, 1);
  assert.match(
    mismatch.stderr,
    new RegExp(
      `tag v9\\.9\\.9 does not match the release version ${VERSION.replace(/\./g, '\\.')} in rust/Cargo\\.toml \\(\\[workspace\\.package\\] version\\); set the version there to 9\\.9\\.9 or tag v${VERSION.replace(/\./g, '\\.')}`,
    ),
  );
});

test('binship.schema.json is the schema generated from the config definition', async () => {
  const checkedIn = JSON.parse(readFileSync(path.join(REPO_ROOT, 'binship.schema.json'), 'utf8'));
  assert.deepEqual(checkedIn, configJsonSchema(), 'binship.schema.json is stale: run node bin/binship.js schema -o binship.schema.json');
  const printed = await binship(['schema']);
  assert.deepEqual(JSON.parse(printed.stdout), checkedIn);
  assert.ok((checkedIn.properties as Record<string, unknown>).binaries);
});
