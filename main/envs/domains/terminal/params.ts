/** Terminal presets and option overrides (environments.md "TerminalSimulator"). */
import { checkRanges, choosePreset, readOptions } from '../shared/config.ts';
import { FLAVOURS, type Flavour } from './flavour.ts';

export interface TerminalParams {
  readonly maxTurns: number;
  /** Share of composite (multi-step) tasks; the spec says half. */
  readonly compositeFraction: number;
  /** Probability that a task file also has a stale copy elsewhere. */
  readonly staleFraction: number;
  /** Steps of a composite task. */
  readonly minSteps: number;
  readonly maxSteps: number;
  readonly flavours: readonly Flavour[];
}

/**
 * The spec fixes 12 turns (eval) and half the tasks composite. The step counts are our choice (the spec is
 * silent): easy composites have 5–7 steps, train 6–8, hard 7–9 (two chores chained when longer than 3), and
 * 30% / 50% / 60% of task files have an older copy with the same name elsewhere (the task means the newest).
 */
export const TERMINAL_PRESETS: Readonly<Record<string, TerminalParams>> = {
  train: { maxTurns: 12, compositeFraction: 0.5, staleFraction: 0.5, minSteps: 6, maxSteps: 8, flavours: FLAVOURS },
  easy: { maxTurns: 12, compositeFraction: 0.5, staleFraction: 0.3, minSteps: 5, maxSteps: 7, flavours: FLAVOURS },
  hard: { maxTurns: 12, compositeFraction: 0.5, staleFraction: 0.6, minSteps: 7, maxSteps: 9, flavours: FLAVOURS },
};

const OPTION_SPECS = {
  maxTurns: { kind: 'int', min: 2, max: 60 },
  compositeFraction: { kind: 'number', min: 0, max: 1 },
  staleFraction: { kind: 'number', min: 0, max: 1 },
  minSteps: { kind: 'int', min: 2, max: 10 },
  maxSteps: { kind: 'int', min: 2, max: 10 },
  flavour: { kind: 'enum', values: ['any', ...FLAVOURS] },
} as const;

export function terminalParams(preset: unknown, options: unknown): TerminalParams {
  const base = choosePreset('terminal', TERMINAL_PRESETS, preset);
  const { flavour, ...rest } = readOptions('terminal', options, OPTION_SPECS);
  const params: TerminalParams = {
    ...base,
    ...rest,
    flavours: flavour === undefined || flavour === 'any' ? base.flavours : [flavour as Flavour],
  };
  checkRanges('terminal', params, OPTION_SPECS);
  return params;
}
