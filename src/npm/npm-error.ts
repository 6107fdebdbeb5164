// What went wrong in an npm command, in one line, from npm's own error lines.

/**
 * The code (`E403`) and the first line that says why (`403 Forbidden - PUT … - user x is not
 * allowed to publish package y`), not just the code.
 */
export function npmError(result: { stdout: unknown; stderr: unknown; shortMessage?: string }): string {
  const lines = `${String(result.stderr)}\n${String(result.stdout)}`.split('\n')
    .filter((l) => /^npm (ERR!|error)/.test(l))
    .map((l) => l.replace(/^npm (ERR!|error)\s*/, '').trim());
  const code = lines.find((l) => /^code\s/.test(l))?.replace(/^code\s+/, '');
  const reason = lines
    .filter((l) => !/^(code|errno|syscall)\s/.test(l) && !/A complete log/.test(l))
    .map((l) => l.replace(/^\d{3}\s+/, '').trim()) // npm repeats the HTTP status in front
    .find((l) => l !== '' && !/^\d{3}$/.test(l));
  return [code, reason].filter(Boolean).join(' ') || result.shortMessage || 'npm failed';
}
