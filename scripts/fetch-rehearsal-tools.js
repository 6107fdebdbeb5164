// Fetches the pinned rehearsal tools (Verdaccio, npm 12, the current Node, pnpm 10 and 12,
// Yarn 4, bun, Deno; src/rehearsal/tools.ts) into $BINSHIP_TOOLS_DIR ahead of the tests and
// `npm run release:local`, so that neither stops to download. Tools already there are kept.
// Run after `npm run build` (it uses the compiled lib/).
import { fetchAllTools } from '../lib/rehearsal/tools.js';

try {
  await fetchAllTools();
} catch (error) {
  process.stderr.write(`fetch-rehearsal-tools: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
