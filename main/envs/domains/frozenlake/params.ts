/** FrozenLake-Obscure presets and option overrides (environments.md). */
import { choosePreset, checkRange, readOptions } from '../shared/config.ts';

export const MAPPING_MODES = ['per_pack', 'per_task', 'global'] as const;
export type MappingMode = (typeof MAPPING_MODES)[number];

export interface FrozenLakeParams {
  readonly minSize: number;
  readonly maxSize: number;
  /** Probability range of a tile being frozen (the rest are holes). */
  readonly minFrozen: number;
  readonly maxFrozen: number;
  readonly maxTurns: number;
  /** A task is resampled until the goal is reachable within this many moves. */
  readonly maxPathLength: number;
  readonly mapping: MappingMode;
}

const BASE = { maxTurns: 8, maxPathLength: 6, mapping: 'per_pack' } as const;

/**
 * train and hard are the spec's; hard is in-domain OOD (bigger lakes, same hole density).
 * easy is our choice (the spec is silent): the smallest train size with fewer holes, for first evals and
 * smoke runs.
 */
export const FROZENLAKE_PRESETS: Readonly<Record<string, FrozenLakeParams>> = {
  train: { ...BASE, minSize: 4, maxSize: 5, minFrozen: 0.6, maxFrozen: 0.7 },
  easy: { ...BASE, minSize: 4, maxSize: 4, minFrozen: 0.7, maxFrozen: 0.8 },
  hard: { ...BASE, minSize: 6, maxSize: 7, minFrozen: 0.6, maxFrozen: 0.7 },
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
  const base = choosePreset('frozenlake', FROZENLAKE_PRESETS, preset);
  const params: FrozenLakeParams = { ...base, ...readOptions('frozenlake', options, OPTION_SPECS) };
  checkRange('frozenlake', 'minSize', params.minSize, params.maxSize);
  checkRange('frozenlake', 'minFrozen', params.minFrozen, params.maxFrozen);
  return params;
}
