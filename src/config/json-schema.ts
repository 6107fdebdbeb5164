// The JSON Schema of binship.toml, generated from the zod schema so the two never disagree.
// Checked in as binship.schema.json; a test fails when it drifts.

import { z } from 'zod';
import { configSchema } from './schema.js';

export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'binship release config (binship.toml)',
  };
}
