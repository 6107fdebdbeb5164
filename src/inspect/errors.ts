/**
 * The one error type the inspector throws for anything wrong with the *input*
 * (unknown format, truncated file, corrupt or hostile headers, unreadable path).
 * Callers can therefore treat any other exception as a bug in binship itself.
 */
export class InspectError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InspectError';
  }
}
