// The clients a local release installs with, by name: apart from ./clients.ts (which loads the
// tools behind them) so `binship release --help` can list them without loading any.

export const CLIENTS = ['npm', 'npm12', 'pnpm10', 'pnpm12', 'yarn-pnp', 'yarn-nm', 'bun', 'deno', 'npx', 'pnpm-dlx', 'bunx', 'deno-run'] as const;
export type ClientName = (typeof CLIENTS)[number];
