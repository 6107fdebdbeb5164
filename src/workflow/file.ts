// Writing the generated workflow to `[workflow] path`, and checking the checked-in copy.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ReleaseConfig } from '../config/load.js';
import { StepError } from '../errors.js';
import { generateWorkflow } from './generate.js';

function workflowFile(config: ReleaseConfig): string {
  return path.resolve(config.root, config.workflow.path);
}

export interface WorkflowWriteResult {
  file: string;
  changed: boolean;
}

/** Writes the workflow; leaves the file untouched when it is already current. */
export function writeWorkflow(config: ReleaseConfig): WorkflowWriteResult {
  const file = workflowFile(config);
  const text = generateWorkflow(config);
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return { file, changed: false };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return { file, changed: true };
}

/** Throws a StepError naming the file when the checked-in workflow is missing or stale. */
export function checkWorkflow(config: ReleaseConfig): string {
  const file = workflowFile(config);
  const shown = path.relative(process.cwd(), file) || file;
  const configName = path.basename(config.configPath);
  const text = generateWorkflow(config);
  if (!existsSync(file)) {
    throw new StepError(`${shown}: missing; run binship workflow to generate it from ${configName}`);
  }
  const current = readFileSync(file, 'utf8');
  if (current !== text) {
    const line = firstDifferentLine(current, text);
    throw new StepError(
      `${shown}: differs from what ${configName} generates (first at line ${line}); run binship workflow to regenerate it, do not edit it by hand`,
    );
  }
  return file;
}

function firstDifferentLine(a: string, b: string): number {
  const left = a.split('\n');
  const right = b.split('\n');
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    if (left[i] !== right[i]) return i + 1;
  }
  return 1;
}
