/** PDE Discovery presets and option overrides (environments.md "PDE Discovery"). */
import { checkRange, choosePreset, readOptions } from '../shared/config.ts';

export const LAW_MODES = ['per_pack', 'per_task'] as const;
export type LawMode = (typeof LAW_MODES)[number];

export interface PdeParams {
  /** Number of reaction terms in the hidden law. */
  readonly minTerms: number;
  readonly maxTerms: number;
  /** Std of the Gaussian noise on a sampled residual (u gets a quarter of it). */
  readonly noise: number;
  /** Points that may be sampled per task. */
  readonly budget: number;
  readonly maxTurns: number;
  readonly minDiffusion: number;
  readonly maxDiffusion: number;
  /** per_pack (default): one law per pack; per_task: a new law every task (a non-stationary ablation). */
  readonly lawMode: LawMode;
}

const BASE = { budget: 6, maxTurns: 6, minDiffusion: 0.01, maxDiffusion: 0.05, lawMode: 'per_pack' } as const;

/**
 * The spec fixes 1–2 terms for training and 1–3 for evaluation, 6 turns and 6 samples per task. The noise levels
 * are our choice: easy is the train law with half the noise, hard is the eval law (up to 3 terms) with more noise.
 */
export const PDE_PRESETS: Readonly<Record<string, PdeParams>> = {
  train: { ...BASE, minTerms: 1, maxTerms: 2, noise: 0.02 },
  easy: { ...BASE, minTerms: 1, maxTerms: 2, noise: 0.01 },
  hard: { ...BASE, minTerms: 1, maxTerms: 3, noise: 0.03 },
};

const OPTION_SPECS = {
  minTerms: { kind: 'int', min: 1, max: 4 },
  maxTerms: { kind: 'int', min: 1, max: 4 },
  noise: { kind: 'number', min: 0, max: 0.5 },
  budget: { kind: 'int', min: 1, max: 50 },
  maxTurns: { kind: 'int', min: 2, max: 30 },
  minDiffusion: { kind: 'number', min: 0.001, max: 0.2 },
  maxDiffusion: { kind: 'number', min: 0.001, max: 0.2 },
  lawMode: { kind: 'enum', values: LAW_MODES },
} as const;

export function pdeParams(preset: unknown, options: unknown): PdeParams {
  const base = choosePreset('pde', PDE_PRESETS, preset);
  const params: PdeParams = { ...base, ...readOptions('pde', options, OPTION_SPECS) };
  checkRange('pde', 'minTerms', params.minTerms, params.maxTerms);
  checkRange('pde', 'minDiffusion', params.minDiffusion, params.maxDiffusion);
  return params;
}
