/** FrozenLake-Obscure presets and option overrides (environments.md). */
import { choosePreset, withOptions } from '../shared/config.ts';

export const MAPPING_MODES = ['per_pack', 'per_task', 'global'] as const;
export type MappingMode = (typeof MAPPING_MODES)[number];

/**
 * 'workbench': the workbench's own lake (its prompts, a BFS-checked path, a goal drawn near the start).
 * 'paper': the reference implementation's (see paper-task.ts and paper-episode.ts, docs/fidelity.md).
 */
export type FrozenLakeVariant = 'workbench' | 'paper';

export interface FrozenLakeParams {
  readonly variant: FrozenLakeVariant;
  readonly minSize: number;
  readonly maxSize: number;
  /** Probability range of a tile being frozen (the rest are holes). */
  readonly minFrozen: number;
  readonly maxFrozen: number;
  readonly maxTurns: number;
  /**
   * A task is resampled until the goal is reachable within this many moves (workbench); under 'paper' the
   * reference's `env_max_steps`, the depth bound of its path search (is_valid).
   */
  readonly maxPathLength: number;
  readonly mapping: MappingMode;
}

const BASE = { variant: 'workbench', maxTurns: 8, maxPathLength: 6, mapping: 'per_pack' } as const;

/**
 * The paper's lakes (agentscope-ai/Trinity-RFT): rows of examples/research_cod/get_frozen_lake_data.py @ 622ba7ee
 * (size uniform in [min, max], p uniform in [0.6, 0.7)); training exp_plan_final/train/frozen_lake_obscure.yaml
 * @ 041ef5cf (env_max_steps 6, agent_max_steps 8, mapping_mode per_pack); the hard eval
 * exp_plan_final/bench/eval_frozenlake_obscure_hard.yaml @ 622ba7ee (sizes 6-7, env_max_steps 8, agent_max_steps 10).
 */
const PAPER = { variant: 'paper', mapping: 'per_pack', minFrozen: 0.6, maxFrozen: 0.7 } as const;

/**
 * train and hard are the spec's; hard is in-domain OOD (bigger lakes, same hole density).
 * easy is our choice (the spec is silent): the smallest train size with fewer holes, for first evals and
 * smoke runs.
 */
export const FROZENLAKE_PRESETS: Readonly<Record<string, FrozenLakeParams>> = {
  train: { ...BASE, minSize: 4, maxSize: 5, minFrozen: 0.6, maxFrozen: 0.7 },
  easy: { ...BASE, minSize: 4, maxSize: 4, minFrozen: 0.7, maxFrozen: 0.8 },
  hard: { ...BASE, minSize: 6, maxSize: 7, minFrozen: 0.6, maxFrozen: 0.7 },
  paper: { ...PAPER, minSize: 4, maxSize: 5, maxTurns: 8, maxPathLength: 6 },
  'paper-hard': { ...PAPER, minSize: 6, maxSize: 7, maxTurns: 10, maxPathLength: 8 },
};

const OPTION_SPECS = {
  mapping: { kind: 'enum', values: MAPPING_MODES },
  minSize: { kind: 'int', min: 2, max: 12 },
  maxSize: { kind: 'int', min: 2, max: 12 },
  minFrozen: { kind: 'number', min: 0.3, max: 1 },
  maxFrozen: { kind: 'number', min: 0.3, max: 1 },
  maxTurns: { kind: 'int', min: 1, max: 50 },
  maxPathLength: { kind: 'int', min: 1, max: 20 },
} as const;

export function frozenLakeParams(preset: unknown, options: unknown): FrozenLakeParams {
  return withOptions('frozenlake', choosePreset('frozenlake', FROZENLAKE_PRESETS, preset), options, OPTION_SPECS);
}
