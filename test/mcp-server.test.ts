// Drives the LeanSpec binaries built from rust/: the MCP server through the official MCP
// TypeScript SDK (a real client), and the CLI the way a user or CI script runs it.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { type CallToolResult, ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { execa } from 'execa';
import { VERSION } from './support/project.js';
import { buildRustBinaries, exampleRoot, fixturesDir, repoSpecsDir, specFolders } from './support/rust.js';

/** The newest MCP protocol version leanspec-mcp speaks; it answers with it when the client asks for it. */
const LATEST_SERVER_PROTOCOL = '2025-11-25';

/** Records the protocol version the SDK client settles on during `initialize`. */
class RecordingStdioTransport extends StdioClientTransport {
  negotiatedProtocolVersion: string | undefined;

  setProtocolVersion(version: string): void {
    this.negotiatedProtocolVersion = version;
  }
}

/** Text of the first content block of a tool result. */
function firstText(result: CallToolResult): string {
  const [block] = result.content;
  assert.equal(block?.type, 'text');
  return block.type === 'text' ? block.text : '';
}

describe('leanspec-mcp through the official MCP SDK client', () => {
  let client: Client;
  let transport: RecordingStdioTransport;
  let version: string;
  let serverStderr = '';
  const transportErrors: Error[] = [];

  before(async () => {
    const { mcp } = await buildRustBinaries();
    version = VERSION;
    // cwd is the repo root and LEANSPEC_SPECS_DIR is not passed on, so the server's
    // default specs folder is the repo's ./specs.
    transport = new RecordingStdioTransport({ command: mcp, cwd: exampleRoot, env: getDefaultEnvironment(), stderr: 'pipe' });
    transport.stderr?.on('data', (chunk: Buffer) => (serverStderr += chunk.toString()));
    client = new Client({ name: 'binship-test', version: '0.0.0' });
    // Anything on stdout that is not a JSON-RPC message (a banner, a log line) lands here.
    client.onerror = (error) => transportErrors.push(error);
    await client.connect(transport);
  });

  after(async () => {
    await client?.close();
  });

  test('initialize negotiates the protocol and reports the workspace version', () => {
    assert.equal(transport.negotiatedProtocolVersion, LATEST_SERVER_PROTOCOL);
    assert.deepEqual(client.getServerVersion(), { name: 'leanspec-mcp', title: 'LeanSpec', version });
    assert.deepEqual(client.getServerCapabilities(), { tools: {} });
  });

  test('tools/list describes list, view and validate with input schemas', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(
      tools.map((tool) => tool.name),
      ['list', 'view', 'validate'],
    );
    for (const tool of tools) {
      assert.equal(tool.inputSchema.type, 'object');
      assert.equal((tool.inputSchema.properties?.specs_dir as { type?: string } | undefined)?.type, 'string');
      assert.equal(tool.annotations?.readOnlyHint, true);
    }
    const view = tools.find((tool) => tool.name === 'view');
    assert.deepEqual(view?.inputSchema.required, ['spec']);
  });

  test('list returns every spec of the repo, as a table and as structured content', async () => {
    const result = (await client.callTool({ name: 'list', arguments: {} })) as CallToolResult;
    assert.equal(result.isError, false);
    const text = firstText(result);
    assert.match(text, /^NUMBER\s+NAME\s+STATUS\s+PRIORITY\s+TAGS$/m);
    assert.match(text, /^173\s+rust-binaries-ci-cd-pipeline\s+planned\s+high\s+ci-cd, rust, github-actions/m);
    const specs = (result.structuredContent as { specs: Array<{ dir: string; status: string }> }).specs;
    assert.deepEqual(
      specs.map((spec) => spec.dir),
      await specFolders(repoSpecsDir),
    );
  });

  test('view returns the spec by number with metadata and body', async () => {
    const result = (await client.callTool({ name: 'view', arguments: { spec: '173' } })) as CallToolResult;
    assert.equal(result.isError, false);
    const text = firstText(result);
    assert.match(text, /^path:\s+specs\/173-rust-binaries-ci-cd-pipeline\/README\.md$/m);
    assert.match(text, /^status:\s+planned$/m);
    assert.match(text, /^depends_on:\s+170-cli-mcp-core-rust-migration-evaluation, 172-rust-cli-mcp-npm-distribution$/m);
    assert.match(text, /^# Rust Binaries CI\/CD Cross-Platform Build Pipeline$/m);
    const spec = result.structuredContent as { number: number; title: string; frontMatter: { depends_on: string[] } };
    assert.equal(spec.number, 173);
    assert.equal(spec.title, 'Rust Binaries CI/CD Cross-Platform Build Pipeline');
    assert.equal(spec.frontMatter.depends_on.length, 2);
  });

  test('validate passes the repo specs and reports broken fixtures with lines', async () => {
    const clean = (await client.callTool({ name: 'validate', arguments: {} })) as CallToolResult;
    const count = (await specFolders(repoSpecsDir)).length;
    assert.equal(firstText(clean), `Checked ${count} specs: no problems found.\n`);
    assert.equal((clean.structuredContent as { valid: boolean }).valid, true);

    const brokenDir = `${fixturesDir}/broken-specs`;
    const broken = (await client.callTool({ name: 'validate', arguments: { specs_dir: brokenDir } })) as CallToolResult;
    assert.equal(broken.isError, false, 'a report listing problems is still a successful call');
    const report = broken.structuredContent as { valid: boolean; problems: Array<{ path: string; line: number; message: string }> };
    assert.equal(report.valid, false);
    assert.deepEqual(
      report.problems.find((problem) => problem.path.endsWith('003-bad-fields/README.md') && problem.line === 3),
      {
        path: `${brokenDir}/003-bad-fields/README.md`,
        line: 3,
        message: "invalid status 'done': expected one of planned, in-progress, complete, archived",
      },
    );
    assert.match(firstText(broken), /003-bad-fields\/README\.md:5: tags must be a list \(e\.g\. \[a, b\]\), got 'cli'$/m);
  });

  test('view of an unknown spec is a tool error the model can read', async () => {
    const result = (await client.callTool({ name: 'view', arguments: { spec: 'no-such-spec' } })) as CallToolResult;
    assert.equal(result.isError, true);
    assert.equal(firstText(result), "no spec matches 'no-such-spec'; call the `list` tool to see all specs");
  });

  test('an unknown tool is a JSON-RPC invalid-params error', async () => {
    await assert.rejects(client.callTool({ name: 'delete', arguments: {} }), (error: unknown) => {
      assert.ok(error instanceof McpError);
      assert.equal(error.code, ErrorCode.InvalidParams);
      return true;
    });
  });

  test('stdout carried only protocol messages; the log went to stderr', () => {
    assert.deepEqual(transportErrors, []);
    assert.match(serverStderr, /^leanspec-mcp \d+\.\d+\.\d+: serving specs from 'specs' on stdio$/m);
  });
});

describe('leanspec-mcp on hostile spec folders, through the official MCP SDK client', {
  skip: process.platform === 'win32' && 'needs mkfifo and byte file names',
}, () => {
  let client: Client;
  let specsDir: string;

  before(async () => {
    const { mcp } = await buildRustBinaries();
    specsDir = mkdtempSync(path.join(os.tmpdir(), 'leanspec-hostile-'));
    const write = (folder: string | Buffer, text: string) => {
      const dir = Buffer.concat([Buffer.from(`${specsDir}/`), Buffer.from(folder)]);
      mkdirSync(dir);
      writeFileSync(Buffer.concat([dir, Buffer.from('/README.md')]), text);
    };
    write('001-good', '---\nstatus: planned\n---\n');
    // A README that is a FIFO: opening it used to wait for a writer, blocking every later request.
    mkdirSync(path.join(specsDir, '002-fifo'));
    await execa('mkfifo', [path.join(specsDir, '002-fifo', 'README.md')]);
    // A folder name that is not UTF-8 used to be skipped without a word.
    write(Buffer.from([0x30, 0x30, 0x33, 0x2d, 0x63, 0x61, 0x66, 0xe9]), '---\nstatus: planned\n---\n');
    // Terminal escape sequences (window title, clear screen, CSI as one C1 character).
    write('004-escapes', '---\nstatus: planned\ntags: ["\\e]0;PWNED\\a", "\\u009b2J"]\n---\n# T\u001b[2J\n');
    client = new Client({ name: 'binship-test', version: '0.0.0' });
    await client.connect(new StdioClientTransport({ command: mcp, args: ['--specs-dir', specsDir], stderr: 'ignore' }));
  });

  after(async () => {
    await client?.close();
    rmSync(specsDir, { recursive: true, force: true });
  });

  test('validate reports the FIFO and the folder name, and later requests are answered', { timeout: 20_000 }, async () => {
    const result = (await client.callTool({ name: 'validate', arguments: {} })) as CallToolResult;
    const report = result.structuredContent as { valid: boolean; problems: Array<{ path: string; line: number | null; message: string }> };
    assert.deepEqual(report.problems, [
      { path: `${specsDir}/002-fifo/README.md`, line: null, message: 'not a regular file (a FIFO)' },
      { path: `${specsDir}/003-caf\\xE9/README.md`, line: 1, message: "folder name '003-caf\\xE9' is not valid UTF-8; rename it (e.g. 001-my-spec)" },
    ]);
    const { tools } = await client.listTools();
    assert.equal(tools.length, 3);
  });

  test('list shows control characters escaped in its text and keeps them in its structured content', { timeout: 20_000 }, async () => {
    const result = (await client.callTool({ name: 'list', arguments: {} })) as CallToolResult;
    const text = firstText(result);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what must not reach the text
    assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    assert.match(text, /^004\s+escapes\s+planned\s+-\s+\\u\{1b\}\]0;PWNED\\u\{7\}, \\u\{9b\}2J$/m);
    const specs = (result.structuredContent as { specs: Array<{ dir: string; tags: string[]; title: string }> }).specs;
    const escapes = specs.find((spec) => spec.dir === '004-escapes');
    assert.deepEqual(escapes?.tags, ['\u001b]0;PWNED\u0007', '\u009b2J']);
    assert.equal(escapes?.title, 'T\u001b[2J');
  });
});

/** The parts of a JSON-RPC reply the raw-stdio test looks at. */
interface RawReply {
  id: unknown;
  result?: { protocolVersion?: string };
  error?: { code: number };
}

describe('leanspec-mcp on raw stdio', () => {
  test('negotiates versions, reports JSON-RPC errors, ignores notifications, exits 0 at EOF', async () => {
    const { mcp } = await buildRustBinaries();
    const initialize = (id: number, protocolVersion: string) =>
      JSON.stringify({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion, capabilities: {}, clientInfo: { name: 't', version: '0' } } });
    const input = [
      initialize(1, '2024-11-05'),
      initialize(2, '1999-01-01'),
      JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      '{"jsonrpc": "2.0", "id": 3,',
      JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'resources/list' }),
    ].join('\n');
    const run = await execa(mcp, [], { input, cwd: exampleRoot, reject: false });
    assert.equal(run.exitCode, 0);
    const replies = run.stdout.split('\n').map((line) => JSON.parse(line) as RawReply);
    assert.equal(replies.length, 4, 'one reply per request, none for the notification');
    assert.equal(replies[0]?.result?.protocolVersion, '2024-11-05');
    assert.equal(replies[1]?.result?.protocolVersion, LATEST_SERVER_PROTOCOL);
    assert.deepEqual([replies[2]?.id, replies[2]?.error?.code], [null, -32700]);
    assert.deepEqual([replies[3]?.id, replies[3]?.error?.code], [4, -32601]);
  });

  test('--version prints only the workspace version', async () => {
    const { mcp } = await buildRustBinaries();
    const run = await execa(mcp, ['--version']);
    assert.equal(run.stdout, VERSION);
  });
});

describe('lean-spec CLI', () => {
  test('--version prints only the workspace version', async () => {
    const { cli } = await buildRustBinaries();
    const run = await execa(cli, ['--version'], { stripFinalNewline: false });
    assert.equal(run.stdout, `${VERSION}\n`);
  });

  test('validate prints exactly one file:line: message line per problem, the summary on stderr, and exits 1', async () => {
    const { cli } = await buildRustBinaries();
    const run = await execa(cli, ['validate', '--specs-dir', 'broken-specs'], { cwd: fixturesDir, reject: false });
    assert.equal(run.exitCode, 1);
    assert.equal(run.stderr, 'Found 9 problems in 6 of 7 specs.');
    assert.deepEqual(run.stdout.split('\n'), [
      "broken-specs/001-no-front-matter/README.md:1: missing front matter (the file must start with a '---' line)",
      "broken-specs/002-invalid-yaml/README.md:4: invalid YAML in front matter: illegal placement of ':' indicator",
      "broken-specs/003-bad-fields/README.md:3: invalid status 'done': expected one of planned, in-progress, complete, archived",
      "broken-specs/003-bad-fields/README.md:4: invalid priority 'urgent': expected one of low, medium, high, critical",
      "broken-specs/003-bad-fields/README.md:5: tags must be a list (e.g. [a, b]), got 'cli'",
      "broken-specs/003-bad-fields/README.md:6: created must be a YYYY-MM-DD date, got '18-12-2025'",
      "broken-specs/004-missing-status/README.md:1: missing required field 'status'",
      "broken-specs/005-unclosed/README.md:1: front matter is not closed (no '---' line after the opening one)",
      "broken-specs/draft-notes/README.md:1: folder name 'draft-notes' is not NNN-name (e.g. 001-my-spec)",
    ]);
  });

  test("validate passes the repo's own specs", async () => {
    const { cli } = await buildRustBinaries();
    const run = await execa(cli, ['validate'], { cwd: exampleRoot, env: { LEANSPEC_SPECS_DIR: '' }, reject: false });
    assert.equal(run.exitCode, 0, run.stdout);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^Checked \d+ specs: no problems found\.$/);
  });

  test('view of an unknown spec is one line on stderr and exit 1', async () => {
    const { cli } = await buildRustBinaries();
    const run = await execa(cli, ['view', '999'], { cwd: exampleRoot, env: { LEANSPEC_SPECS_DIR: '' }, reject: false });
    assert.equal(run.exitCode, 1);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr, "error: no spec matches '999'; run `lean-spec list` to see all specs");
  });
});
