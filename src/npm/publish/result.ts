// What publish (and its preflight) reports: one row per package with the plan's action and what
// became of it. A moved dist-tag is its own status (`retagged`), not a kind of `skipped`.

import { redact } from '../../redact.js';
import { displayRegistry } from '../registry.js';
import type { Action, AuthMode, PackageKind, PublishPlan } from './plan.js';

export type PublishStatus = 'pending' | 'published' | 'retagged' | 'skipped' | 'refused' | 'failed' | 'blocked' | 'dry-run';

export interface PublishRow {
  name: string;
  version: string;
  kind: PackageKind;
  /** What the plan decided. */
  action: Action;
  /** What happened (`pending` until it did). */
  status: PublishStatus;
  detail: string;
}

export interface PublishResult {
  /** The registry, without any credentials its URL carried. */
  registry: string;
  tag: string;
  auth: AuthMode;
  /** The registry user of the token or login, when the registry said. */
  user?: string;
  rows: PublishRow[];
  /** Why nothing was uploaded (each with its fix); empty when the plan went ahead. */
  refusals: string[];
  /** What to do after this release. */
  notes: string[];
}

/** The rows of a plan before anything ran. */
function planRows(plan: PublishPlan): PublishRow[] {
  return plan.packages.map((p) => ({
    name: p.name,
    version: p.version,
    kind: p.kind,
    action: p.action,
    status: p.action === 'skip' ? 'skipped' : p.action === 'refuse' ? 'refused' : 'pending',
    detail: p.reason,
  }));
}

/** The rows that mean the release is not (completely) out. */
export function unfinished(result: PublishResult): PublishRow[] {
  return result.rows.filter((r) => r.status === 'failed' || r.status === 'blocked' || r.status === 'refused');
}

/** The report of a plan (before it runs): rows, refusals and notes, with no secret in them. */
export function resultOf(plan: PublishPlan, registry: string, user: string | undefined, token?: string): PublishResult {
  const clean = (text: string) => redact(text, token);
  return {
    registry: displayRegistry(registry),
    tag: plan.tag,
    auth: plan.auth,
    ...(user ? { user } : {}),
    rows: planRows(plan).map((row) => ({ ...row, detail: clean(row.detail) })),
    refusals: plan.refusals.map(clean),
    notes: plan.notes.map(clean),
  };
}
