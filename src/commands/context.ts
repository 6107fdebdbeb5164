// What every command module gets from the CLI: lazy access to the release config, so commands
// that need none (or fail early on usage) never read it. Command modules import their steps
// inside their actions (`await import(...)`): the CLI loads a command's module to show its
// help, and that must not load the step.

import type { ReleaseConfig } from '../config/load.js';
import type { Target } from '../targets.js';
import type { OnProgress } from '../ui/progress.js';

export interface CliContext {
  loadConfig(): ReleaseConfig;
  /** Resolves --target values (triples or platform keys) against the config's targets. */
  resolveTargets(config: ReleaseConfig, names: string[]): Target[];
  /** Writes to stdout as it is: JSON and other machine input — progress and errors go to stderr. */
  print(text: string): void;
  /** Writes a report for people to stdout, every line within 100 columns (longer ones wrap). */
  report(text: string): void;
  /**
   * The progress reporter of a long step (lines on stderr, `step` prefixing them), or undefined
   * when progress is off: stderr is not a terminal, or --no-progress (--progress forces it on).
   */
  progress(step: string): OnProgress | undefined;
}
