// The shapes of the records binship keeps in dist/ about what verify accepted (verified.json,
// src/dist/verified.ts) and what travels from a CI build job with its artifact (manifest.json,
// src/dist/manifest.ts). Records are read through these schemas: a damaged or hand-edited one
// is one clear error, never a crash.
//
// Extending: a new reason a verified file must not ship (a stand-in build, say) is one more
// string in its `mustNotShip` list: every binship refuses to pack a file whose list is not
// empty, whatever the reasons say, so no schema change is needed. Any other new field needs
// the schema here: the objects are strict, so an older binship refuses a newer record ("run
// binship verify again") instead of acting on a record it only half understands.

import { z } from 'zod';

export const SHA256 = z.string().regex(/^[0-9a-f]{64}$/);

const smokeRecordSchema = z.strictObject({
  args: z.array(z.string()),
  stdin: z.string().optional(),
  expectStdout: z.string().optional(),
  expectExit: z.number().int(),
  timeoutMs: z.number().int(),
});

/** How the run checks (reported version, smoke command) of one binary went. */
const runRecordSchema = z.strictObject({
  /** `native`, `qemu`... as the host ran it; `not run` when the host cannot run the target. */
  how: z.string().min(1),
  /** Why it was not run. */
  reason: z.string().optional(),
  /** The platform of the machine that ran the checks, e.g. `linux-x64`. */
  host: z.string().nullable(),
  /** Run by the verify of the CI build job that built the file, not here (carried with its artifact). */
  carried: z.boolean(),
  /** The version the binary reported. */
  reportedVersion: z.string().nullable(),
  /** The smoke command it passed (null: none configured, or not run). */
  smoke: smokeRecordSchema.nullable(),
});

export const NOT_RUN = 'not run';

/** One binary verify accepted. */
const fileRecordSchema = z.strictObject({
  path: z.string(),
  platform: z.string(),
  triple: z.string(),
  binary: z.string(),
  sha256: SHA256,
  size: z.number().int().nonnegative(),
  run: runRecordSchema,
  /** Reasons this file must never be packed though it verified (e.g. a stand-in build); empty when it may ship. */
  mustNotShip: z.array(z.string()),
  /** A stand-in: the sibling triple built in place of `triple` (src/dist/stand-ins.ts); it never ships. */
  standIn: z.string().optional(),
});

/** The parts of the config verify's verdict depends on; pack and publish require them unchanged. */
const verifyConfigSchema = z.strictObject({
  targets: z.array(z.string()),
  binaries: z.array(z.strictObject({ name: z.string(), smoke: smokeRecordSchema.nullable() })),
  maxSizeBytes: z.number(),
  glibcFloor: z.string(),
});

export const verifiedStateSchema = z.strictObject({
  schema: z.literal(1),
  /** The binship version whose checks ran. */
  binship: z.string(),
  /** The release version the binaries were verified against. */
  version: z.string(),
  /** Made by verify --require-all: every configured binary x target present and run on its target. */
  requireAll: z.boolean(),
  config: verifyConfigSchema,
  files: z.array(fileRecordSchema),
});

/** What a CI build job's verify recorded about one file, carried into the publish job's manifest by collect --from. */
export const carriedRecordSchema = z.strictObject({
  binship: z.string(),
  version: z.string(),
  file: fileRecordSchema,
});

export type SmokeRecord = z.infer<typeof smokeRecordSchema>;
export type RunRecord = z.infer<typeof runRecordSchema>;
export type FileRecord = z.infer<typeof fileRecordSchema>;
export type VerifyConfigRecord = z.infer<typeof verifyConfigSchema>;
export type VerifiedState = z.infer<typeof verifiedStateSchema>;
export type CarriedRecord = z.infer<typeof carriedRecordSchema>;

/** Reads a JSON record through its schema; `problem` gets why it is unusable ('missing', 'not JSON', or the first issue). */
export function parseRecord<T>(text: string | undefined, schema: z.ZodType<T>): { value: T } | { problem: string } {
  if (text === undefined) return { problem: 'missing' };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { problem: 'not valid JSON' };
  }
  const result = schema.safeParse(data);
  if (result.success) return { value: result.data };
  const issue = result.error.issues[0];
  const where = issue?.path.length ? issue.path.map(String).join('.') : 'the top level';
  return { problem: `malformed at ${where}: ${issue?.message ?? 'invalid'}` };
}

/** JSON with object keys sorted at every level: two values are the same record when these agree. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
