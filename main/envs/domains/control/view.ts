/** The public view of an Optimal Control task: what the text shows, as data. Never holds a or b. */
import { CodError } from '../../../base/errors.ts';
import type { LossParts, StepRow } from './rollout.ts';

/** What the previous task of the pack left behind (shown only with the showPrevious option). */
export interface PreviousAttempt {
  readonly expression: string;
  /** 'ok', or why it scored what it did. */
  readonly status: 'ok' | 'parse_error' | 'eval_error';
  readonly reward: number;
  readonly finalX: number | null;
  readonly finalV: number | null;
}

export interface ControlResult {
  readonly status: 'ok' | 'parse_error' | 'eval_error';
  readonly expression: string;
  /** Parse or evaluation error message, '' when ok. */
  readonly error: string;
  readonly rows: readonly StepRow[];
  readonly loss: LossParts | null;
  readonly reward: number;
}

export type ControlView = {
  readonly domain: 'control';
  readonly taskId: string;
  readonly turn: number;
  readonly maxTurns: number;
  readonly horizon: number;
  readonly x0: number;
  readonly v0: number;
  readonly xTarget: number;
  readonly vTarget: number;
  readonly previous: PreviousAttempt | null;
  readonly result: ControlResult | null;
  readonly done: boolean;
};

/** The scripted agents get views as plain records; check it is one of ours before trusting its fields. */
export function readControlView(view: Readonly<Record<string, unknown>>): ControlView {
  const v = view as Partial<ControlView>;
  if (
    v?.domain !== 'control' ||
    typeof v.taskId !== 'string' ||
    typeof v.horizon !== 'number' ||
    typeof v.x0 !== 'number' ||
    typeof v.v0 !== 'number' ||
    typeof v.xTarget !== 'number' ||
    typeof v.vTarget !== 'number'
  ) {
    throw new CodError('bad_input', 'not an Optimal Control view', 'control.view');
  }
  return v as ControlView;
}
