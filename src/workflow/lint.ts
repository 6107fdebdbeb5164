// binship workflow lints what it writes with actionlint (which runs ShellCheck on every `run:`
// script when shellcheck is on PATH too), where actionlint is installed: it is a Go program, not
// an npm dependency. binship's own tests lint the generator's output for several projects with
// actionlint, ShellCheck, zizmor and GitHub's parser; this run catches what a project's own
// settings bring in ([workflow] install and command end up in run: scripts).

import path from 'node:path';
import { execa } from 'execa';
import { errorMessage, StepError } from '../errors.js';

interface LintFinding {
  line: number;
  column: number;
  kind: string;
  message: string;
}

export type LintResult = { linted: true; tool: 'actionlint'; findings: LintFinding[] } | { linted: false; reason: string };

const ACTIONLINT_MISSING = 'actionlint is not on PATH (https://github.com/rhysd/actionlint; with shellcheck on PATH it checks the run: scripts too)';

export async function lintWorkflow(file: string, actionlint = 'actionlint'): Promise<LintResult> {
  const result = await execa(actionlint, ['-no-color', '-format', '{{json .}}', path.basename(file)], { cwd: path.dirname(file), reject: false });
  if ((result as { code?: string }).code === 'ENOENT') return { linted: false, reason: ACTIONLINT_MISSING };
  // 0: no findings, 1: findings; anything else means it could not check the file.
  if (result.exitCode !== 0 && result.exitCode !== 1) {
    throw new StepError(
      `actionlint could not check ${file} (exit ${result.exitCode ?? result.signal}): ${String(result.stderr).trim() || errorMessage(result)}`,
    );
  }
  const findings = (JSON.parse(String(result.stdout) || '[]') as LintFinding[]).map(({ line, column, kind, message }) => ({ line, column, kind, message }));
  return { linted: true, tool: 'actionlint', findings };
}
