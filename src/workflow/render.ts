// Turning the workflow data (./steps.ts) into YAML text: each step's comments above it, each
// pinned action as `owner/repo@sha # version`, blank lines between top-level blocks, jobs and
// steps, and long lines kept whole.

import { Document, isMap, isScalar, isSeq, type Pair, type YAMLMap } from 'yaml';
import { usesRef } from './actions.js';
import type { Job, Step } from './steps.js';

export interface WorkflowData {
  header: string;
  /** Everything above `jobs:` (name, on, permissions, env, concurrency, defaults). */
  top: Record<string, unknown>;
  jobs: Record<string, Job>;
}

export function renderWorkflow({ header, top, jobs }: WorkflowData): string {
  const doc = new Document(null, { aliasDuplicateObjects: false });
  const jobNodes: Record<string, unknown> = {};
  for (const [id, job] of Object.entries(jobs)) jobNodes[id] = { ...job, steps: job.steps.map((step) => stepNode(doc, step)) };
  doc.contents = doc.createNode({ ...top, jobs: jobNodes }) as YAMLMap;
  doc.commentBefore = header;
  spaceOut(doc);
  return doc.toString({ lineWidth: 0, blockQuote: 'literal' });
}

function stepNode(doc: Document, step: Step): YAMLMap {
  const { comment, usesComment, uses, ...fields } = step;
  // Key order as people write steps: name, id, if, env, then uses/with or run.
  const ordered = {
    name: fields.name,
    id: fields.id,
    if: fields.if,
    env: fields.env,
    uses: uses && usesRef(uses),
    with: fields.with,
    run: fields.run,
  };
  const node = doc.createNode(Object.fromEntries(Object.entries(ordered).filter(([, v]) => v !== undefined))) as YAMLMap;
  if (comment) node.commentBefore = wrap(comment);
  const usesPair = node.items.find((pair) => isScalar(pair.key) && pair.key.value === 'uses');
  if (uses && usesPair && isScalar(usesPair.key) && isScalar(usesPair.value)) {
    usesPair.value.comment = ` ${uses.version}`;
    if (usesComment) usesPair.key.commentBefore = ` ${usesComment}`;
  }
  return node;
}

/** Blank lines between top-level blocks, between jobs and between steps; the empty top permissions on one line. */
function spaceOut(doc: Document): void {
  const root = doc.contents;
  if (!isMap(root)) return;
  for (const pair of root.items.slice(1)) setSpaceBefore(pair);
  const topPermissions = root.get('permissions');
  if (isMap(topPermissions)) topPermissions.flow = true;
  const jobs = root.get('jobs');
  if (!isMap(jobs)) return;
  for (const pair of jobs.items.slice(1)) setSpaceBefore(pair);
  for (const jobPair of jobs.items) {
    const steps = isMap(jobPair.value) ? jobPair.value.get('steps') : undefined;
    if (isSeq(steps))
      steps.items.forEach((item, i) => {
        if (i > 0 && isMap(item)) item.spaceBefore = true;
      });
  }
}

/** A comment as `#` lines of at most `width` characters (about 100 columns at step indentation). */
function wrap(text: string, width = 88): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.map((l) => ` ${l}`).join('\n');
}

function setSpaceBefore(pair: Pair): void {
  if (isScalar(pair.key)) pair.key.spaceBefore = true;
}
