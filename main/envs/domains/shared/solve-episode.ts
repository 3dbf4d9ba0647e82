/**
 * What every built-in solve episode shares: once it has ended, step() and formatError() give that end again, and
 * formatError() is the end a format failure leads to, without its observation. A domain's episode says how a turn is
 * played (play) and how a response without a valid answer block ends the game (failFormat).
 */
import { shapedReward, type EpisodeEnd, type Outcome, type StepResult, type TaskEpisode } from '../../sdk.ts';

export type EndResult = StepResult & { done: true };

export abstract class SolveEpisode implements TaskEpisode {
  abstract readonly taskId: string;
  abstract readonly maxTurns: number;
  protected end: EpisodeEnd | undefined;

  abstract rules(): string;
  abstract observation(): string;
  abstract turnsUsed(): number;
  abstract view(): Readonly<Record<string, unknown>>;

  /** One turn of a game still running; the end, once reached, goes through close(). */
  protected abstract play(action: string, response?: string): StepResult;
  /** End the game on a response without one valid `<answer>` block. */
  protected abstract failFormat(reason: string, response?: string): EndResult;

  step(action: string, response?: string): StepResult {
    if (this.end) return this.again(this.end);
    return this.play(action, response);
  }

  formatError(reason: string, response?: string): EpisodeEnd {
    if (this.end) return this.end;
    const { done: _d, observation: _o, ...end } = this.failFormat(reason, response);
    return end;
  }

  /** What a step after the end returns: the end with the final observation. */
  protected again(end: EpisodeEnd): EndResult {
    return { done: true, observation: this.observation(), ...end };
  }

  /** Record the end of the game and return it with the final observation. */
  protected close(end: EpisodeEnd): EndResult {
    this.end = end;
    return { done: true, observation: this.observation(), ...end };
  }

  /** The paper's shaped reward (cod-method.md §2): success minus 0.1 of the turn budget used. */
  protected closeShaped(outcome: Outcome, feedback: string): EndResult {
    const success = outcome === 'success';
    return this.close({ outcome, success, reward: shapedReward(success, this.turnsUsed(), this.maxTurns), feedback });
  }
}
