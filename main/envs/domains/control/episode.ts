/**
 * The Optimal Control solve episode: one turn. The answer's expression is parsed, evaluated closed loop over the
 * horizon, and scored; parse failure -0.1, evaluation error 0 (environments.md).
 */
import type { Outcome, Rendering, StepResult } from '../../sdk.ts';
import { SolveEpisode, type EndResult } from '../shared/solve-episode.ts';
import { extractExpression } from './answer.ts';
import { evaluateExpression } from './expr-eval.ts';
import { parseExpression } from './expr-parser.ts';
import type { ControlDynamics } from './instance.ts';
import { observationText, rulesText } from './render.ts';
import { rollout } from './rollout.ts';
import type { ControlTask } from './task.ts';
import type { ControlResult, ControlView, PreviousAttempt } from './view.ts';

export const PARSE_FAILURE_REWARD = -0.1;
/** A fitted controller with L <= 1 (reward >= 0.5) counts as a success. */
export const SUCCESS_REWARD = 0.5;

/** Pack-level memory: the last task's attempt, shown to the next task when the option asks for it. */
export interface ControlPackState {
  previous: PreviousAttempt | null;
}

const shortExpression = (s: string) => (s.length > 300 ? s.slice(0, 300) + '…' : s);

export class ControlEpisode extends SolveEpisode {
  readonly maxTurns = 1;
  private readonly shownPrevious: PreviousAttempt | null;
  private result: ControlResult | null = null;

  constructor(
    readonly taskId: string,
    private readonly task: ControlTask,
    private readonly dynamics: ControlDynamics,
    private readonly rendering: Rendering,
    private readonly pack: ControlPackState,
    private readonly showPrevious: boolean,
  ) {
    super();
    this.shownPrevious = showPrevious ? pack.previous : null;
  }

  rules(): string {
    return rulesText(this.rendering, this.task.horizon);
  }

  observation(): string {
    return observationText(this.rendering, this.view());
  }

  turnsUsed(): number {
    return this.result ? 1 : 0;
  }

  view(): ControlView {
    return {
      domain: 'control',
      taskId: this.taskId,
      turn: this.turnsUsed(),
      maxTurns: this.maxTurns,
      horizon: this.task.horizon,
      x0: this.task.x0,
      v0: this.task.v0,
      xTarget: this.task.xTarget,
      vTarget: this.task.vTarget,
      previous: this.shownPrevious,
      result: this.result,
      done: this.end !== undefined,
    };
  }

  protected play(action: string): StepResult {
    const extracted = extractExpression(action);
    if (!extracted.ok) return this.parseFailure(typeof action === 'string' ? action : '', extracted.error);
    const parsed = parseExpression(extracted.expression);
    if (!parsed.ok) return this.parseFailure(extracted.expression, parsed.error);
    const run = rollout(this.dynamics, this.task, (inputs) => evaluateExpression(parsed.expr, inputs));
    if (!run.ok) {
      this.result = {
        status: 'eval_error',
        expression: extracted.expression,
        error: run.error,
        rows: run.rows,
        loss: null,
        reward: 0,
      };
      return this.finish('illegal_action', 0);
    }
    this.result = {
      status: 'ok',
      expression: extracted.expression,
      error: '',
      rows: run.rows,
      loss: run.loss,
      reward: run.reward,
    };
    return this.finish(run.reward >= SUCCESS_REWARD ? 'success' : 'failure', run.reward);
  }

  protected failFormat(reason: string): EndResult {
    return this.parseFailure('', `no valid answer block (${String(reason).slice(0, 200)})`);
  }

  private parseFailure(expression: string, error: string): EndResult {
    this.result = {
      status: 'parse_error',
      expression: shortExpression(expression),
      error,
      rows: [],
      loss: null,
      reward: PARSE_FAILURE_REWARD,
    };
    return this.finish('format_error', PARSE_FAILURE_REWARD);
  }

  private finish(outcome: Outcome, reward: number): EndResult {
    const result = this.result;
    const last = result && result.rows.length > 0 ? result.rows[result.rows.length - 1] : null;
    this.pack.previous = {
      expression: shortExpression(result?.expression ?? ''),
      status: result?.status ?? 'parse_error',
      reward,
      finalX: result?.status === 'ok' && last ? last.x : null,
      finalV: result?.status === 'ok' && last ? last.v : null,
    };
    const feedback = observationText(this.rendering, { ...this.view(), previous: null });
    return this.close({ outcome, success: outcome === 'success', reward, feedback });
  }
}
