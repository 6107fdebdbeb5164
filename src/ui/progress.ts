// Progress of the steps that can take a while, for a person watching: on stderr, one line when
// work on an item (a target, a file, a package, a client, a phase) starts and one when it ends,
// with its time. Steps stay pure functions: they take an optional `onProgress` callback and
// call it; the commands pass a reporter from here, or nothing when progress is off.
// Plain lines, never rewritten in place: parallel builds interleave, and a copied log reads.

import { fitLine } from './width.js';

interface ProgressEvent {
  /** What the work is about: `linux-x64`, `widget@1.2.3`, `pnpm`, `publish`... */
  item: string;
  /** `start` when it begins; otherwise how it ended, in a word: built, ok, published, failed... */
  status: string;
}

export type OnProgress = (event: ProgressEvent) => void;

/**
 * The reporter for one command (`step` prefixes its lines), or undefined when progress is off.
 * `enabled` true/false forces it (--progress, --no-progress); by default it is on when stderr is
 * a terminal.
 */
export function progressReporter(step: string, enabled = process.stderr.isTTY === true): OnProgress | undefined {
  if (!enabled) return undefined;
  const started = new Map<string, number>();
  const write = (line: string) => process.stderr.write(`${fitLine(`binship: ${step}: ${line}`)}\n`);
  return ({ item, status }) => {
    if (status === 'start') {
      started.set(item, performance.now());
      write(`${item} ...`);
      return;
    }
    const since = started.get(item);
    started.delete(item);
    write(`${item} ${status}${since === undefined ? '' : ` (${formatSeconds((performance.now() - since) / 1000)})`}`);
  };
}

/** Events of a part of a step, their items prefixed with `scope` (a phase, a round). */
export function scoped(onProgress: OnProgress | undefined, scope: string): OnProgress | undefined {
  return onProgress && ((event) => onProgress({ ...event, item: `${scope}: ${event.item}` }));
}

/**
 * Runs `work` as one item of progress: `start`, then how it ended (`status` of the result,
 * default `done`), or `failed` if it throws. Without a reporter it only runs `work`.
 */
export async function track<T>(onProgress: OnProgress | undefined, item: string, work: () => Promise<T>, status?: (result: T) => string): Promise<T> {
  onProgress?.({ item, status: 'start' });
  try {
    const result = await work();
    onProgress?.({ item, status: status?.(result) ?? 'done' });
    return result;
  } catch (error) {
    onProgress?.({ item, status: 'failed' });
    throw error;
  }
}

/**
 * build()'s own events (`onEvent` of src/build.ts: start, then built, failed or skipped per
 * target) as progress: `onEvent: buildProgress(context.progress('build'))`.
 */
export function buildProgress(onProgress: OnProgress | undefined): ((event: { platform: string; phase: string }) => void) | undefined {
  return onProgress && ((event) => onProgress({ item: event.platform, status: event.phase }));
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
}
