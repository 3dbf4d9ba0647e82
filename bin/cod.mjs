#!/usr/bin/env node
// The `cod` command. Runs the TypeScript sources through tsx so a checkout works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../main/cli/index.ts');
process.exitCode = await main(process.argv.slice(2));
