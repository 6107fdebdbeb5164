import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CliContext } from './context.js';

// No --json: the output is JSON (the JSON Schema) already.
export function register(program: Command, context: CliContext): void {
  program
    .command('schema')
    .description('print the JSON Schema of binship.toml (for editors)')
    .option('-o, --output <file>', 'write it to a file instead')
    .action(async (options: { output?: string }) => {
      const { configJsonSchema } = await import('../config/json-schema.js');
      const text = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
      if (options.output) writeFileSync(options.output, text);
      else context.print(text);
    });
}
