// binship verify --reproducible: builds every local target twice, from two copies of the Cargo
// workspace at different paths with separate target directories, and compares the hashes.
// Identical hashes mean the binaries depend only on the sources, not on where or when they
// were built, so anyone can rebuild a release and check it.

import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BuildResult, build } from '../build.js';
import type { ReleaseConfig } from '../config/load.js';
import { sha256File } from '../dist/checksums.js';
import { StepError } from '../errors.js';
import { buildProgress, type OnProgress, scoped } from '../ui/progress.js';

interface ReproducibleRow {
  platform: string;
  binary: string;
  first: string;
  second: string;
  identical: boolean;
}

export interface ReproducibleReport {
  rows: ReproducibleRow[];
  skipped: { platform: string; reason: string }[];
  ok: boolean;
  problems: string[];
}

export interface ReproducibleOptions {
  config: ReleaseConfig;
  /** Each target's build in each round: minutes of cargo, twice. */
  onProgress?: OnProgress;
}

export async function verifyReproducible(options: ReproducibleOptions): Promise<ReproducibleReport> {
  const { config } = options;
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'binship-repro-'));
  try {
    const rounds: BuildResult[][] = [];
    const copies = [path.join(scratch, 'first', 'workspace'), path.join(scratch, 'second', 'elsewhere', 'ws')];
    for (const [round, copy] of copies.entries()) {
      const onEvent = buildProgress(scoped(options.onProgress, `build ${round + 1} of ${copies.length}`));
      const ownTarget = path.join(config.cargo.workspaceDir, 'target');
      cpSync(config.cargo.workspaceDir, copy, { recursive: true, filter: (source) => source !== ownTarget });
      const copyConfig: ReleaseConfig = { ...config, cargo: { ...config.cargo, workspaceDir: copy } };
      rounds.push(await build({ config: copyConfig, local: true, targetDir: path.join(copy, 'target'), onEvent }));
    }
    const [first = [], second = []] = rounds;
    const failed = [...first, ...second].filter((r) => r.status === 'failed');
    if (failed.length > 0) throw new StepError(failed.map((r) => `build of ${r.platform} failed: ${r.reason}`).join('\n'));
    const rows: ReproducibleRow[] = [];
    for (const result of first) {
      if (result.status !== 'built') continue;
      // What each round built (a stand-in's binaries, where the target is built as one).
      const a = result.binaries;
      const b = second.find((r) => r.platform === result.platform)?.binaries ?? [];
      for (const [i, binary] of config.binaries.entries()) {
        const [hashA, hashB] = await Promise.all([sha256File(a[i] as string), sha256File(b[i] as string)]);
        rows.push({ platform: result.platform, binary: binary.name, first: hashA, second: hashB, identical: hashA === hashB });
      }
    }
    const skipped = first.filter((r) => r.status === 'skipped').map((r) => ({ platform: r.platform, reason: r.reason ?? '' }));
    const problems = rows
      .filter((r) => !r.identical)
      .map(
        (r) =>
          `${r.platform}/${r.binary}: two builds differ (${r.first.slice(0, 12)} vs ${r.second.slice(0, 12)}); something embeds a path, time or random value — compare them with diffoscope`,
      );
    if (rows.length === 0) problems.push('no target could be built on this machine; run binship doctor');
    return { rows, skipped, ok: problems.length === 0, problems };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
