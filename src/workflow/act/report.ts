// What happened to every job and step of the workflow in one act run: ran, replaced (with the
// reason the stand-in printed), skipped by its `if:`, failed, or not run after a failure. Built
// from the workflow file itself and act's JSON log, so a step the log does not show as run is
// never reported as run.

import { parse } from 'yaml';
import { renderTable } from '../../ui/table.js';
import type { ActLogEntry } from './run.js';
import { REPLACED } from './stand-ins.js';

type StepStatus = 'ran' | 'replaced' | 'skipped' | 'failed' | 'not run';

interface StepReport {
  name: string;
  status: StepStatus;
  /** Why it was replaced, skipped or not run. */
  reasons: string[];
}

export interface JobReport {
  /** The job's key in the workflow, e.g. `build`. */
  job: string;
  /** The matrix entry's platform, for matrix jobs. */
  platform?: string;
  result: 'success' | 'failure' | 'skipped';
  reason?: string;
  steps: StepReport[];
}

interface WorkflowStep {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
}
interface WorkflowJob {
  if?: string;
  needs?: string | string[];
  steps: WorkflowStep[];
}

/**
 * Steps act itself does differently from GitHub, by the action they use: these run, but not as
 * on GitHub, and the report says so.
 */
const ACT_REPLACES: Record<string, string> = {
  'actions/checkout': 'act copies the local repository into the job (nothing is fetched from GitHub)',
};

export function buildReport(workflowText: string, entries: ActLogEntry[]): JobReport[] {
  const workflow = parse(workflowText) as { jobs: Record<string, WorkflowJob> };
  const byRun = new Map<string, ActLogEntry[]>();
  for (const entry of entries) {
    if (!entry.jobID) continue;
    const key = runKey(entry.jobID, platformOf(entry));
    byRun.set(key, [...(byRun.get(key) ?? []), entry]);
  }
  const reports: JobReport[] = [];
  for (const [job, definition] of Object.entries(workflow.jobs)) {
    const runs = [...byRun.entries()].filter(([key]) => key.split('\u0000')[0] === job);
    if (runs.length === 0) {
      // As on GitHub: a job whose need failed or was skipped is skipped too.
      const needs = [definition.needs ?? []].flat();
      const need = reports.find((r) => needs.includes(r.job) && r.result !== 'success');
      reports.push({
        job,
        result: 'skipped',
        reason: need ? `${need.job} ${need.result === 'skipped' ? 'was skipped' : 'failed'}` : `if: ${definition.if ?? '(none)'}`,
        steps: [],
      });
      continue;
    }
    for (const [key, jobEntries] of runs) {
      const platform = key.split('\u0000')[1] || undefined;
      reports.push({ job, platform, ...jobResult(jobEntries), steps: stepReports(definition.steps, jobEntries) });
    }
  }
  return reports;
}

function runKey(job: string, platform: string | undefined): string {
  return `${job}\u0000${platform ?? ''}`;
}

function platformOf(entry: ActLogEntry): string | undefined {
  const value = entry.matrix?.platform;
  return typeof value === 'string' ? value : undefined;
}

function jobResult(entries: ActLogEntry[]): { result: JobReport['result']; reason?: string } {
  const final = [...entries].reverse().find((e) => e.jobResult);
  return final?.jobResult === 'success' ? { result: 'success' } : { result: 'failure', reason: final ? undefined : 'the job did not finish' };
}

function stepReports(steps: WorkflowStep[], entries: ActLogEntry[]): StepReport[] {
  let failed = false;
  return steps.map((step, index) => {
    const id = step.id ?? String(index);
    const name = step.name ?? step.uses ?? step.run ?? id;
    const own = entries.filter((e) => e.stepID?.[0] === id);
    const main = own.find((e) => e.stage === 'Main' && e.stepID?.length === 1 && e.stepResult);
    // Only what a step printed counts (act also logs each script's text, which names the marker).
    const replacedBy = own
      .filter((e) => e.raw_output)
      .map((e) => replacedReason(e.msg))
      .filter((r): r is string => r !== undefined);
    const actReplaces = step.uses && ACT_REPLACES[step.uses.split('@')[0] as string];
    const postFailed = own.some((e) => e.stage === 'Post' && e.stepID?.length === 1 && e.stepResult === 'failure');
    if (!main) {
      return { name, status: failed ? 'not run' : 'skipped', reasons: [failed ? 'an earlier step failed' : `if: ${step.if ?? '(none)'}`] };
    }
    if (main.stepResult === 'failure' || postFailed) {
      failed = true;
      return { name, status: 'failed', reasons: postFailed ? ['its post step failed'] : [] };
    }
    if (main.stepResult === 'skipped') return { name, status: 'skipped', reasons: [`if: ${step.if ?? '(none)'}`] };
    const reasons = [...new Set([...(actReplaces ? [actReplaces] : []), ...replacedBy])];
    return { name, status: reasons.length > 0 ? 'replaced' : 'ran', reasons };
  });
}

/** The part after the stand-ins' marker, if the line starts with it. */
function replacedReason(line: string): string | undefined {
  const text = line.trim();
  return text.startsWith(`${REPLACED}: `) ? text.slice(REPLACED.length + 2) : undefined;
}

/** The report as a table: one row per step, replaced steps with their reason. */
export function renderReport(reports: JobReport[]): string {
  const rows: string[][] = [];
  for (const report of reports) {
    const job = report.platform ? `${report.job} (${report.platform})` : report.job;
    if (report.steps.length === 0) rows.push([job, '', `${report.result}: ${report.reason ?? ''}`]);
    for (const step of report.steps) {
      rows.push([job, step.name, [step.status, ...step.reasons].join(': ')]);
    }
    if (report.steps.length > 0) rows.push([job, '(job)', report.result]);
  }
  return renderTable(['job', 'step', 'result'], rows);
}
