/**
 * glibc version arithmetic. A dynamically linked binary records, per needed
 * library, the symbol version nodes it uses ("GLIBC_2.34"); the highest one is
 * the oldest glibc it can run on.
 */

const VERSION_RE = /^(?:GLIBC_)?(\d+(?:\.\d+)*)$/;

function parts(v: string): number[] {
  const m = VERSION_RE.exec(v.trim());
  if (!m || m[1] === undefined) throw new RangeError(`not a glibc version: ${JSON.stringify(v)}`);
  return m[1].split('.').map(Number);
}

/**
 * Numeric comparison of glibc versions ("2.17" < "2.34", "2.3.4" < "2.17",
 * "2.34" == "2.34.0"). Accepts an optional "GLIBC_" prefix. Negative, zero or
 * positive like a sort comparator; throws RangeError on a non-version string.
 */
export function compareGlibc(a: string, b: string): number {
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/**
 * The glibc release a version-need name requires, or null if the name is no
 * glibc requirement (GLIBC_PRIVATE, GLIBCXX_*, GCC_*, …).
 */
export function glibcVersionOfNeed(name: string): string | null {
  const m = /^GLIBC_(\d+(?:\.\d+)+)$/.exec(name);
  if (m && m[1] !== undefined) return m[1];
  // Linking with -z pack-relative-relocs adds this marker instead of a
  // numbered node; glibc gained DT_RELR support (and the marker) in 2.36.
  if (name === 'GLIBC_ABI_DT_RELR') return '2.36';
  return null;
}

/**
 * Whether GLIBC_* nodes needed from this library say anything about glibc.
 * libgcc_s defines its own "GLIBC_2.0" compatibility node on several
 * architectures (even in musl toolchains), so a musl binary can need
 * libgcc_s.so.1:GLIBC_2.0 without needing glibc at all.
 */
export function countsForGlibc(neededFile: string): boolean {
  return !/^libgcc_s\.so/.test(neededFile);
}

export function maxGlibc(versions: Iterable<string>): string | null {
  let best: string | null = null;
  for (const v of versions) if (best === null || compareGlibc(v, best) > 0) best = v;
  return best;
}
