import type { CliCommand } from '../command.ts';
import { engineGrads } from './engine-grads.ts';
import { envsCheck } from './envs-check.ts';
import { envsTraces } from './envs-traces.ts';
import { modelInit } from './model-init.ts';

/** Every `cod` subcommand. Each lives in its own module next to this file. */
export const commands: CliCommand[] = [modelInit, engineGrads, envsCheck, envsTraces];
