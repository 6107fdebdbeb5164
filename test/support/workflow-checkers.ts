// The checkers GitHub users check workflows with, run on a workflow file as they would be:
// actionlint (with ShellCheck on every run: script), zizmor (offline) and GitHub's own parser.
// They come from `bash scripts/install-workflow-linters.sh` (into .cache/tools/bin); a missing
// one fails the test with that instruction.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { ErrorPolicy } from '@actions/workflow-parser/model/convert';
import { execa } from 'execa';
import { REPO_ROOT } from './project.js';

const TOOLS = path.join(REPO_ROOT, '.cache', 'tools', 'bin');

export function tool(name: string): string {
  const file = path.join(TOOLS, name);
  if (!existsSync(file)) {
    assert.fail(`${name} is not installed in ${TOOLS}: run bash scripts/install-workflow-linters.sh`);
  }
  return file;
}

/** Writes a workflow as `.github/workflows/<name>` in a fresh directory below `scratch`, returns its path. */
export function workflowFileWith(scratch: string, text: string, name = 'rust-binaries.yml'): string {
  const dir = mkdtempSync(path.join(scratch, 'wf-'));
  const file = path.join(dir, '.github', 'workflows', name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

export interface ActionlintError {
  message: string;
  line: number;
  column: number;
  kind: string;
}

export async function actionlint(file: string): Promise<ActionlintError[]> {
  const result = await execa(
    tool('actionlint'),
    ['-shellcheck', tool('shellcheck'), '-pyflakes', '', '-no-color', '-format', '{{json .}}', path.basename(file)],
    { cwd: path.dirname(file), reject: false },
  );
  assert.ok(result.exitCode === 0 || result.exitCode === 1, `actionlint failed to run (exit ${result.exitCode}): ${result.stderr}`);
  return JSON.parse(result.stdout || '[]') as ActionlintError[];
}

type Severity = 'Unknown' | 'Informational' | 'Low' | 'Medium' | 'High';

export interface ZizmorFinding {
  ident: string;
  determinations: { severity: Severity; confidence: string };
  locations: { symbolic: { kind: string; annotation: string }; concrete: { location: { start_point: { row: number } } } }[];
}

export async function zizmor(file: string, ...flags: string[]): Promise<ZizmorFinding[]> {
  // --offline: no GitHub API (this machine reaches only package registries); --no-config: the
  // result depends on the workflow alone.
  const result = await execa(tool('zizmor'), ['--offline', '--no-config', '--no-progress', '--format', 'json', ...flags, file], {
    cwd: path.dirname(file),
    reject: false,
    env: { NO_COLOR: '1' },
  });
  // zizmor's exit code encodes the highest severity found (10-14); anything else is a failure to run.
  assert.ok(
    result.exitCode === 0 || ((result.exitCode ?? 0) >= 10 && (result.exitCode ?? 0) <= 14),
    `zizmor failed to run (exit ${result.exitCode}): ${result.stderr}`,
  );
  return JSON.parse(result.stdout) as ZizmorFinding[];
}

export const atLeastMedium = (f: ZizmorFinding): boolean => f.determinations.severity === 'Medium' || f.determinations.severity === 'High';

export const describeFinding = (f: ZizmorFinding): string => {
  const primary = f.locations.find((l) => l.symbolic.kind === 'Primary') ?? f.locations[0];
  return `${f.ident} (${f.determinations.severity}) line ${(primary?.concrete.location.start_point.row ?? -1) + 1}: ${primary?.symbolic.annotation}`;
};

/** GitHub's parser: schema errors from parsing, semantic ones (e.g. unknown needs) from conversion. */
export async function githubParser(name: string, content: string): Promise<{ errors: string[]; jobs: string[] }> {
  const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (!parsed.value) return { errors, jobs: [] };
  const template = await convertWorkflowTemplate(parsed.context, parsed.value, undefined, { errorPolicy: ErrorPolicy.TryConversion });
  return {
    errors: [...new Set([...errors, ...(template.errors ?? []).map((e) => e.Message)])],
    jobs: (template.jobs ?? []).map((job) => job.id.value),
  };
}
