import type { CliCommand } from '../command.ts';
import { engineBench } from './engine-bench.ts';
import { engineGrads } from './engine-grads.ts';
import { envsCheck } from './envs-check.ts';
import { envsPlay } from './envs-play.ts';
import { envsTraces } from './envs-traces.ts';
import { modelInit } from './model-init.ts';
import { modelImport } from './model-import.ts';
import { modelScore } from './model-score.ts';
import { loraInit, loraMerge } from './lora.ts';
import { doctor } from './doctor.ts';
import { generate } from './generate.ts';
import { serveCommand } from './serve.ts';
import { tokenizerTrain } from './tokenizer-train.ts';
import { evalCommand } from './eval.ts';
import { compareCommand } from './compare.ts';
import { runsList, runsShow } from './runs.ts';
import { trainCommand } from './train.ts';
import { pretrainCommand } from './pretrain.ts';
import { backendServe } from './backend-serve.ts';

/** Every `cod` subcommand. Each lives in its own module next to this file. */
export const commands: CliCommand[] = [
  modelInit,
  modelImport,
  modelScore,
  loraInit,
  loraMerge,
  doctor,
  generate,
  tokenizerTrain,
  engineGrads,
  engineBench,
  envsCheck,
  envsTraces,
  envsPlay,
  evalCommand,
  compareCommand,
  trainCommand,
  pretrainCommand,
  runsList,
  runsShow,
  serveCommand,
  backendServe,
];
