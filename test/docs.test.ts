// The tables the docs repeat from code must say what the code says: the target table
// (src/targets.ts) and the pinned actions (src/workflow/actions.ts). A change to either fails
// here until the doc is updated with it.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { TARGETS, type Target } from '../src/targets.js';
import { ACTIONS } from '../src/workflow/actions.js';

const ROOT = path.join(import.meta.dirname, '..');

function cells(line: string): string[] {
  return line
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((cell) => cell.trim().replace(/`/g, ''));
}

/** The body rows of the markdown table in `doc` whose header row is `header`, as cells without backticks. */
function markdownTable(doc: string, header: string[]): string[][] {
  const lines = readFileSync(path.join(ROOT, doc), 'utf8').split('\n');
  const start = lines.findIndex((line) => line.startsWith('|') && cells(line).join('\n') === header.join('\n'));
  assert.ok(start >= 0, `${doc}: no table with the header | ${header.join(' | ')} |`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(cells(line));
  }
  return rows;
}

const npmFields = (t: Target) => [t.os, t.cpu, ...(t.libc ? [t.libc] : [])].join(' / ');

test('docs/config.md lists every target as src/targets.ts has it', () => {
  const rows = markdownTable('docs/config.md', ['platform', 'triple', 'npm os / cpu / libc', 'CI runner']);
  const expected = TARGETS.map((t) => [
    t.platform,
    t.triple,
    npmFields(t),
    t.runnerAptPackages.length > 0 ? `${t.runner} (+ ${t.runnerAptPackages.join(', ')})` : t.runner,
  ]);
  assert.deepEqual(rows, expected);
});

test("docs/ci-cd.md's runner table is the target table's", () => {
  const rows = markdownTable('docs/ci-cd.md', ['platform', 'Rust target', 'runner', 'extra packages']);
  assert.deepEqual(
    rows,
    TARGETS.map((t) => [t.platform, t.triple, t.runner, t.runnerAptPackages.join(', ')]),
  );
});

test("docs/ci-cd.md's build times name every target with its runner", () => {
  const header = ['target', 'runner', 'local cold build (2 cores)', 'CI build job, cold (estimate)', 'CI build job, warm cache (manual runs; estimate)'];
  const rows = markdownTable('docs/ci-cd.md', header).filter((row) => !row[0]?.startsWith('**'));
  assert.deepEqual(rows.map((row) => [row[0], row[1]]).sort(), TARGETS.map((t) => [t.triple, t.runner]).sort());
});

test('docs/ci-cd.md lists the pinned actions of src/workflow/actions.ts', () => {
  const rows = markdownTable('docs/ci-cd.md', ['action', 'version', 'commit']);
  // A version cell may explain itself in parentheses after the version.
  const documented = rows.map(([repo, version, sha]) => [repo, version?.replace(/\s*\(.*\)$/, ''), sha]);
  assert.deepEqual(
    documented,
    Object.values(ACTIONS).map((a) => [a.repo, a.version, a.sha]),
  );
});
