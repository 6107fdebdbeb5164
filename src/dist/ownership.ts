// What binship wrote in a dist directory, recorded in the directory itself, so that binship
// deletes only what it can prove it wrote. Every writer (collect, verify, pack) records its
// files and directories here; collect replaces a dist/ and pack its npm/ only when everything
// there is recorded, and then removes exactly the recorded entries. A directory without this
// record, or with anything the record does not list, is refused with the fix: it is the
// user's (a web app's public/ with its own manifest.json, say).

import { lstatSync, readdirSync, readFileSync, renameSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { UsageError } from '../errors.js';

/** Hidden: bookkeeping, and CI artifact uploads leave it out (each job writes its own). */
const OWNED_FILE = '.binship-owned.json';

const ownedSchema = z.strictObject({
  schema: z.literal(1),
  /** Relative paths with `/`; directories end in `/`. */
  paths: z.array(z.string()),
});

/** The entries binship recorded in `dir`, or undefined when it recorded none (no valid record). */
export function readOwned(dir: string): Set<string> | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(dir, OWNED_FILE), 'utf8');
  } catch {
    return undefined;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = ownedSchema.safeParse(data);
  return parsed.success ? new Set(parsed.data.paths) : undefined;
}

/**
 * Adds files and directories (relative to `dir`, with `/`) to the record of what binship wrote
 * there; the directories on the way to each file are recorded too.
 */
export function recordOwned(dir: string, written: string[]): void {
  const owned = readOwned(dir) ?? new Set<string>();
  for (const entry of written) {
    const parts = entry.replace(/\/$/, '').split('/');
    for (let i = 1; i < parts.length; i++) owned.add(`${parts.slice(0, i).join('/')}/`);
    owned.add(entry);
  }
  writeOwned(dir, owned);
}

function writeOwned(dir: string, owned: Set<string>): void {
  const file = path.join(dir, OWNED_FILE);
  const temporary = `${file}.tmp-${process.pid}`;
  writeFileSync(temporary, `${JSON.stringify({ schema: 1, paths: [...owned].sort() }, null, 2)}\n`);
  renameSync(temporary, file);
}

/** Every entry below `dir` (files and symbolic links as they are, directories ending in `/`), never following links. */
export function listEntries(dir: string, prefix = ''): string[] {
  const entries: string[] = [];
  for (const entry of readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = `${prefix}${entry.name}`;
    if (entry.isDirectory()) entries.push(`${relative}/`, ...listEntries(dir, `${relative}/`));
    else entries.push(relative);
  }
  return entries;
}

/**
 * Refuses (usage error) to let binship replace `under` (a subdirectory of `dir` ending in `/`,
 * or all of `dir`) unless binship recorded every entry there. `what` names the command.
 */
export function checkOwned(dir: string, what: string, under = ''): void {
  const shownUnder = path.join(dir, under);
  if (under && !existsDir(shownUnder) && existsAtAll(shownUnder)) {
    // A file or a symbolic link where binship keeps a directory: writing there could go anywhere.
    throw new UsageError(`${shownUnder}: not a directory binship wrote (a file or a symbolic link); ${what} replaces it, so move it out of there first`);
  }
  const present = entriesUnder(dir, under);
  if (present.length === 0) return;
  const owned = readOwned(dir);
  const shown = path.join(dir, under);
  if (!owned) {
    throw new UsageError(
      `${shown} is not empty and binship has no record of writing it (no ${OWNED_FILE}); ${what} replaces its directory, so move its contents elsewhere or use another dist directory`,
    );
  }
  const foreign = present.filter((entry) => !owned.has(entry));
  if (foreign.length > 0) {
    const listed = foreign
      .slice(0, 3)
      .map((entry) => path.join(dir, entry))
      .join(', ');
    const more = foreign.length > 3 ? ` and ${foreign.length - 3} more` : '';
    throw new UsageError(
      `${listed}${more}: not written by binship; ${what} replaces ${shown}, so move ${foreign.length > 1 ? 'them' : 'it'} out of there first`,
    );
  }
}

/**
 * Deletes the recorded entries under `under` (a subdirectory ending in `/`, itself included; by
 * default all of `dir`, then the record and `dir` itself once empty) and drops them from the
 * record. Anything not recorded stays, and so do the directories holding it. Returns what stayed.
 */
export function removeOwned(dir: string, under = ''): string[] {
  const present = [...entriesUnder(dir, under), ...(under && existsDir(path.join(dir, under)) ? [under] : [])];
  const owned = readOwned(dir);
  if (!owned) {
    // Nothing here is provably binship's; an empty directory holds nothing to lose.
    if (under === '' && present.length === 0) rmdirSync(dir);
    return present;
  }
  // Deepest first, so each directory is empty by the time it is removed.
  const depth = (entry: string) => entry.replace(/\/$/, '').split('/').length;
  const mine = present.filter((entry) => owned.has(entry)).sort((a, b) => depth(b) - depth(a));
  for (const entry of mine) {
    try {
      if (entry.endsWith('/')) rmdirSync(path.join(dir, entry));
      else unlinkSync(path.join(dir, entry));
      owned.delete(entry);
    } catch {
      // A directory that still holds something not recorded stays.
    }
  }
  const kept = present.filter((entry) => owned.has(entry) || !mine.includes(entry));
  if (under === '' && kept.length === 0) {
    unlinkSync(path.join(dir, OWNED_FILE));
    rmdirSync(dir);
  } else {
    writeOwned(dir, owned);
  }
  return kept;
}

function entriesUnder(dir: string, under: string): string[] {
  // The record itself, and its temporary copy if a write was interrupted, are binship's.
  const bookkeeping = (entry: string) => entry === OWNED_FILE || entry.startsWith(`${OWNED_FILE}.tmp-`);
  return existsDir(path.join(dir, under)) ? listEntries(dir, under).filter((entry) => !bookkeeping(entry)) : [];
}

// lstat of `dir/npm/` would follow a symbolic link named npm: always look at the entry itself.
function existsAtAll(entry: string): boolean {
  try {
    lstatSync(entry.replace(/[\\/]+$/, ''));
    return true;
  } catch {
    return false;
  }
}

function existsDir(dir: string): boolean {
  try {
    return lstatSync(dir.replace(/[\\/]+$/, '')).isDirectory();
  } catch {
    return false;
  }
}
