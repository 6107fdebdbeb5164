// What every command module gets from the CLI: lazy access to the release config, so commands
// that need none (or fail early on usage) never read it.

import type { ReleaseConfig } from '../config/load.js';
import type { Target } from '../targets.js';

export interface CliContext {
  loadConfig(): ReleaseConfig;
  /** Resolves --target values (triples or platform keys) against the config's targets. */
  resolveTargets(config: ReleaseConfig, names: string[]): Target[];
  /** Writes to stdout (results) — progress and errors go to stderr. */
  print(text: string): void;
}
