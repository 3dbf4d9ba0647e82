#!/usr/bin/env node
// The `cod` command. Runs the TypeScript sources through tsx so a checkout works right after `npm ci`.
import { register } from 'tsx/esm/api';

// node:sqlite (the run store) warns that it is experimental on every start; the store's own tests pin its behaviour.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  if (String(warning).includes('SQLite is an experimental feature')) return;
  emitWarning(warning, ...rest);
};

register();
// Once, before any work: the process again with glibc's malloc thresholds fixed (main/base/malloc-tunables.ts).
(await import('../main/base/malloc-tunables.ts')).relaunchWithMallocTunables();
const { main } = await import('../main/cli/index.ts');
process.exitCode = await main(process.argv.slice(2));
