// Timing helpers the benchmarks share: interleaved runs (so a change in the machine's load hits
// every command alike) and medians.

import { type SpawnSyncOptions, spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

/** Runs each command `runs` times, round-robin, after one warm-up each; returns medians in ms. */
export function timeInterleaved(commands: Record<string, string[]>, runs: number, options: SpawnSyncOptions = {}): Record<string, number> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (const [, argv] of Object.entries(commands)) spawnSync(argv[0] as string, argv.slice(1), options); // warm the page cache
  for (let i = 0; i < runs; i++) {
    for (const [name, argv] of Object.entries(commands)) {
      const start = performance.now();
      const result = spawnSync(argv[0] as string, argv.slice(1), { ...options, stdio: 'ignore' });
      const elapsed = performance.now() - start;
      if (result.status !== 0) throw new Error(`${name} exited ${result.status}`);
      samples[name]?.push(elapsed);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
