#!/usr/bin/env node
import module from 'node:module';

// Node 22.1+ keeps the compiled code of binship and its dependencies between runs (a faster
// start); older Nodes have no such cache and start as before.
module.enableCompileCache?.();
const { main } = await import('../lib/cli.js');

main(process.argv).then((code) => {
  process.exitCode = code;
});
