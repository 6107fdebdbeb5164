// Error types with their exit codes: 2 for bad usage or configuration (the user must change
// what they typed or wrote), 1 for a step that ran and failed (a build, a check, an upload).
// The CLI prints `message` as one line; it must name the thing that is wrong and the fix.

export class BinshipError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class UsageError extends BinshipError {
  constructor(message: string) {
    super(message, 2);
  }
}

export class StepError extends BinshipError {
  constructor(message: string) {
    super(message, 1);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
