import type { CliCommand } from '../command.ts';

/** Every `cod` subcommand. Each lives in its own module next to this file. */
export const commands: CliCommand[] = [];
