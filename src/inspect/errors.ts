/**
 * The one error type the inspector throws for anything wrong with the *input*
 * (unknown format, truncated file, corrupt or hostile headers, unreadable path).
 * Callers can therefore treat any other exception as a bug in binship itself.
 */
export class InspectError extends Error {
  /** What the header said before parsing failed (an ELF's class and byte order), if it got that far. */
  readonly layout?: ElfLayout;

  constructor(message: string, options?: { cause?: unknown; layout?: ElfLayout }) {
    super(message, options);
    this.name = 'InspectError';
    this.layout = options?.layout ?? (options?.cause instanceof InspectError ? options.cause.layout : undefined);
  }
}

export interface ElfLayout {
  bits: 32 | 64;
  endian: 'little' | 'big';
}
