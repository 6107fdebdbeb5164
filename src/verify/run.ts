// The checks that run the binary, where this host can (natively, under qemu or Wine): the
// version it reports must be the release version, and its smoke command from the config must pass.
// `prefix` starts the binary (qemu, Wine); `env` is merged into this process's environment for
// it (an undefined value removes a variable).

import { execa } from 'execa';
import type { SmokeSpec } from '../config/load.js';

export type RunEnv = Record<string, string | undefined>;

export interface RunOutcome {
  /** The version the binary reported, or null if none could be read. */
  reported: string | null;
  problems: string[];
}

const SEMVER = /\b\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?\b/;

/** Runs `<prefix> file --version` and compares the first semver it prints with `version`. */
export async function checkReportedVersion(file: string, prefix: string[], version: string, cwd?: string, env?: RunEnv): Promise<RunOutcome> {
  const [command, ...args] = [...prefix, file, '--version'];
  const result = await execa(command as string, args, { cwd, env, reject: false, timeout: 15_000, stdin: 'ignore' });
  if (result.failed) {
    return { reported: null, problems: [`${file}: \`--version\` failed (${describeFailure(result)}); the binary does not run on its own target`] };
  }
  const reported = SEMVER.exec(result.stdout)?.[0] ?? null;
  if (reported !== version) {
    return {
      reported,
      problems: [
        `${file}: reports version ${reported ?? `"${result.stdout.trim().slice(0, 60)}"`} but the release is ${version}; rebuild it from this commit (a stale build or a crate without version.workspace = true)`,
      ],
    };
  }
  return { reported, problems: [] };
}

export async function runSmoke(file: string, prefix: string[], smoke: SmokeSpec, cwd?: string, env?: RunEnv): Promise<string[]> {
  const [command, ...args] = [...prefix, file, ...smoke.args];
  const result = await execa(command as string, args, {
    cwd,
    env,
    reject: false,
    timeout: smoke.timeoutMs,
    input: smoke.stdin ?? '',
    // expect_stdout sees the exact bytes, final newline included: a Windows build that ends its
    // lines with CRLF must not pass a check written for LF.
    stripFinalNewline: false,
  });
  const shown = [file, ...smoke.args].join(' ');
  if (result.timedOut) return [`${file}: smoke run \`${shown}\` did not finish within ${smoke.timeoutMs} ms; fix the binary or raise smoke.timeout_ms`];
  if (result.exitCode !== smoke.expectExit) {
    return [`${file}: smoke run \`${shown}\` exited ${describeFailure(result)}, expected ${smoke.expectExit}; run it by hand to see why`];
  }
  if (smoke.expectStdout && !new RegExp(smoke.expectStdout).test(String(result.stdout))) {
    // Untrimmed, so a stray CR or a missing final newline shows in the message.
    const got = String(result.stdout).slice(0, 80) || '(nothing)';
    return [
      `${file}: smoke run \`${shown}\` printed ${JSON.stringify(got)}, which does not match /${smoke.expectStdout}/; fix the binary or smoke.expect_stdout`,
    ];
  }
  return [];
}

function describeFailure(result: { exitCode?: number; signal?: string; stderr?: unknown; shortMessage?: string }): string {
  const stderr = String(result.stderr ?? '')
    .trim()
    .split('\n')[0];
  const how = result.signal ? `signal ${result.signal}` : result.exitCode !== undefined ? `code ${result.exitCode}` : (result.shortMessage ?? 'error');
  return stderr ? `${how}: ${stderr.slice(0, 120)}` : how;
}
