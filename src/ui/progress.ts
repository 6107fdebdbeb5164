// Progress of the steps that can take a while, for a person watching: on stderr, one line when
// work on an item (a target, a file, a package, a client, a phase) starts and one when it ends,
// with its time. Steps stay pure functions: they take an optional `onProgress` callback and
// call it; the commands pass a reporter from here, or nothing when progress is off.
// Plain lines, never rewritten in place: parallel builds interleave, and a copied log reads.

import { fitLine } from './width.js';

export interface ProgressEvent {
  /** What the work is about: `linux-x64`, `lean-spec@1.2.3`, `pnpm`, `publish`... */
  item: string;
  /** `start` when it begins; otherwise how it ended, in a word: built, ok, published, failed... */
  status: string;
  /** A few words more: the reason it was skipped, a size, the round of a build. */
  detail?: string;
}

export type OnProgress = (event: ProgressEvent) => void;

export interface ReporterOptions {
  /** true/false forces progress on or off (--progress, --no-progress); default: stderr is a terminal. */
  enabled?: boolean;
  stream?: { isTTY?: boolean; write(text: string): unknown };
  /** Milliseconds since some fixed moment (tests pass a fake clock). */
  now?: () => number;
}

/** The reporter for one command (`step` prefixes its lines), or undefined when progress is off. */
export function progressReporter(step: string, options: ReporterOptions = {}): OnProgress | undefined {
  const stream = options.stream ?? process.stderr;
  if (!(options.enabled ?? stream.isTTY === true)) return undefined;
  const now = options.now ?? (() => performance.now());
  const started = new Map<string, number>();
  return ({ item, status, detail }) => {
    const extra = detail ? `: ${detail}` : '';
    if (status === 'start') {
      started.set(item, now());
      stream.write(`${fitLine(`binship: ${step}: ${item}${extra} ...`)}\n`);
      return;
    }
    const since = started.get(item);
    started.delete(item);
    const took = since === undefined ? '' : ` (${formatSeconds((now() - since) / 1000)})`;
    stream.write(`${fitLine(`binship: ${step}: ${item} ${status}${took}${extra}`)}\n`);
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
