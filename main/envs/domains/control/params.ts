/** Optimal Control presets and option overrides (environments.md "Optimal Control"). */
import { choosePreset, withOptions } from '../shared/config.ts';

export interface ControlParams {
  readonly horizon: number;
  readonly minX0: number;
  readonly maxX0: number;
  readonly minV0: number;
  readonly maxV0: number;
  readonly minTarget: number;
  readonly maxTarget: number;
  /** v_target is drawn from [minVTarget, maxVTarget] (0 and 0 for a fixed v_target of 0). */
  readonly minVTarget: number;
  readonly maxVTarget: number;
  /** Std of the Gaussian process noise added to v' (0 = deterministic dynamics). */
  readonly noise: number;
  /** Show the previous task's expression and result in the next task's observation (pack state). */
  readonly showPrevious: boolean;
}

/**
 * hard is the spec's (horizon 12, x0 in [-2,2], v0 in [-1.5,1.5], x_target in [-8,8], v_target 0).
 * easy and train are our choice (the spec is silent): easy is short moves without noise; train sits between
 * easy and hard and also asks for a non-zero final velocity, so a controller must use v_target too.
 * The hidden dynamics are drawn the same way in every preset (a ~ U[0.55, 1.20], b ~ U[-1.5, 1.5], |b| >= 0.35).
 */
export const CONTROL_PRESETS: Readonly<Record<string, ControlParams>> = {
  easy: {
    horizon: 10,
    minX0: -1,
    maxX0: 1,
    minV0: -0.5,
    maxV0: 0.5,
    minTarget: -4,
    maxTarget: 4,
    minVTarget: 0,
    maxVTarget: 0,
    noise: 0,
    showPrevious: false,
  },
  train: {
    horizon: 10,
    minX0: -2,
    maxX0: 2,
    minV0: -1,
    maxV0: 1,
    minTarget: -6,
    maxTarget: 6,
    minVTarget: -0.5,
    maxVTarget: 0.5,
    noise: 0.01,
    showPrevious: false,
  },
  hard: {
    horizon: 12,
    minX0: -2,
    maxX0: 2,
    minV0: -1.5,
    maxV0: 1.5,
    minTarget: -8,
    maxTarget: 8,
    minVTarget: 0,
    maxVTarget: 0,
    noise: 0.02,
    showPrevious: false,
  },
};

const OPTION_SPECS = {
  horizon: { kind: 'int', min: 2, max: 50 },
  minX0: { kind: 'number', min: -100, max: 100 },
  maxX0: { kind: 'number', min: -100, max: 100 },
  minV0: { kind: 'number', min: -100, max: 100 },
  maxV0: { kind: 'number', min: -100, max: 100 },
  minTarget: { kind: 'number', min: -100, max: 100 },
  maxTarget: { kind: 'number', min: -100, max: 100 },
  minVTarget: { kind: 'number', min: -100, max: 100 },
  maxVTarget: { kind: 'number', min: -100, max: 100 },
  noise: { kind: 'number', min: 0, max: 1 },
  showPrevious: { kind: 'bool' },
} as const;

export function controlParams(preset: unknown, options: unknown): ControlParams {
  return withOptions('control', choosePreset('control', CONTROL_PRESETS, preset), options, OPTION_SPECS);
}
