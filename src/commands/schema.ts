import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { configJsonSchema } from '../config/json-schema.js';
import type { CliContext } from './context.js';

export function register(program: Command, context: CliContext): void {
  program
    .command('schema')
    .description('print the JSON Schema of binship.toml (for editors)')
    .option('-o, --output <file>', 'write it to a file instead')
    .action((options: { output?: string }) => {
      const text = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
      if (options.output) writeFileSync(options.output, text);
      else context.print(text);
    });
}
