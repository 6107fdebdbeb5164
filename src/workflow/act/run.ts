// One run of the workflow under nektos/act in host mode (no Docker): the command line, and its
// JSON log read back line by line. act runs its own artifact and cache servers on loopback;
// actions come from local trees (no GitHub), the attest action from its stand-in.

import { createWriteStream, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { StepError } from '../../errors.js';
import { freePort } from '../../rehearsal/verdaccio.js';
import { ACTIONS, type PinnedAction } from '../actions.js';

export interface ActLogEntry {
  level: string;
  msg: string;
  job?: string;
  jobID?: string;
  matrix?: Record<string, unknown>;
  step?: string;
  stepID?: string[];
  stage?: string;
  stepResult?: string;
  jobResult?: string;
  raw_output?: boolean;
}

export interface ActRunOptions {
  act: string;
  /** The repository to run in (act copies it for every job, as checkout would). */
  repoDir: string;
  workflowFile: string;
  event: 'push' | 'workflow_dispatch';
  eventPayload: Record<string, unknown>;
  /** Runner labels to run on this machine (host mode). */
  runners: string[];
  /** Local tree of every pinned action, by `owner/repo@sha`. */
  actionTrees: Map<string, string>;
  env: Record<string, string>;
  actionCache: string;
  /** Scratch directory of this run (artifact and cache servers, secret files). */
  runDir: string;
  secrets: Record<string, string>;
  vars: Record<string, string>;
  /** act --matrix filters (`key:value`): only the matching matrix entries run. */
  matrix?: string[];
  /** act's JSON log is written here. */
  logFile: string;
  /** Called with every log entry as it arrives. */
  onEntry?: (entry: ActLogEntry) => void;
}

export interface ActRunResult {
  exitCode: number;
  entries: ActLogEntry[];
}

/** Pinned actions act never fetches: it copies the local repository instead of checking out. */
const RUN_BY_ACT: ReadonlySet<keyof typeof ACTIONS> = new Set(['checkout']);

/**
 * The local tree for each pinned action: `<dir>/<owner>+<repo>@<sha>`, or its stand-in. Names
 * every one that is missing: act would try to clone it from GitHub.
 */
export function actionTrees(actionsDir: string, replaced: Partial<Record<keyof typeof ACTIONS, string>> = {}): Map<string, string> {
  const trees = new Map<string, string>();
  const missing: string[] = [];
  for (const [key, action] of Object.entries(ACTIONS) as [keyof typeof ACTIONS, PinnedAction][]) {
    if (RUN_BY_ACT.has(key)) continue;
    const ref = `${action.repo}@${action.sha}`;
    const tree = replaced[key] ?? path.join(actionsDir, `${action.repo.replace('/', '+')}@${action.sha}`);
    if (existsSync(path.join(tree, 'action.yml')) || existsSync(path.join(tree, 'action.yaml'))) trees.set(ref, tree);
    else missing.push(`${ref} (${action.version}) at ${tree}`);
  }
  if (missing.length > 0) {
    throw new StepError(
      `the action trees for the rehearsal lack ${missing.length} pinned action(s), which act would have to fetch from GitHub:\n${missing.join('\n')}\nput each action's tree at that commit there (action.yml and its dist/), or point BINSHIP_ACT_ACTIONS at a directory that has them`,
    );
  }
  return trees;
}

export async function runAct(options: ActRunOptions): Promise<ActRunResult> {
  const eventFile = path.join(options.runDir, 'event.json');
  writeFileSync(eventFile, `${JSON.stringify(options.eventPayload, null, 2)}\n`);
  // Secrets go through a file (never a command line other processes can read); the run
  // directory is removed with the rehearsal.
  const secretFile = path.join(options.runDir, 'secrets.env');
  writeFileSync(secretFile, envFile(options.secrets), { mode: 0o600 });
  const varFile = path.join(options.runDir, 'vars.env');
  writeFileSync(varFile, envFile(options.vars));
  const args = [
    options.event,
    '--eventpath',
    eventFile,
    '--workflows',
    options.workflowFile,
    ...options.runners.flatMap((label) => ['--platform', `${label}=-self-hosted`]),
    '--action-cache-path',
    options.actionCache,
    '--action-offline-mode',
    ...[...options.actionTrees].flatMap(([ref, tree]) => ['--local-repository', `${ref}=${tree}`]),
    '--artifact-server-path',
    path.join(options.runDir, 'artifacts'),
    '--artifact-server-addr',
    '127.0.0.1',
    '--artifact-server-port',
    String(await freePort()),
    '--cache-server-path',
    path.join(options.runDir, 'cache'),
    '--cache-server-addr',
    '127.0.0.1',
    '--cache-server-port',
    String(await freePort()),
    '--secret-file',
    secretFile,
    '--var-file',
    varFile,
    ...(options.matrix ?? []).flatMap((filter) => ['--matrix', filter]),
    // One job at a time: each build already uses every core.
    '--concurrent-jobs',
    '1',
    '--json',
  ];
  const log = createWriteStream(options.logFile);
  const entries: ActLogEntry[] = [];
  const child = execa(options.act, args, {
    cwd: options.repoDir,
    env: options.env,
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    all: true,
    buffer: false,
  });
  let pending = '';
  const take = (chunk: Buffer): void => {
    log.write(chunk);
    pending += chunk.toString('utf8');
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      const entry = parseEntry(line);
      entries.push(entry);
      options.onEntry?.(entry);
      newline = pending.indexOf('\n');
    }
  };
  child.all?.on('data', take);
  const result = await child;
  if (pending) entries.push(parseEntry(pending));
  await new Promise((resolve) => log.end(resolve));
  if (result.failed && result.exitCode === undefined) {
    throw new StepError(`act could not be started (${options.act}): ${result.shortMessage}`);
  }
  return { exitCode: result.exitCode ?? 1, entries };
}

/** A JSON log line, or a plain line (act prints some before its logger starts) as a message. */
function parseEntry(line: string): ActLogEntry {
  try {
    const parsed = JSON.parse(line) as ActLogEntry;
    if (parsed && typeof parsed === 'object' && typeof parsed.msg === 'string') return parsed;
  } catch {
    // not JSON
  }
  return { level: 'info', msg: line };
}

/** `KEY=value` lines; values are single-line (act reads these files as dotenv). */
function envFile(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([key, value]) => `${key}=${JSON.stringify(value)}\n`)
    .join('');
}
