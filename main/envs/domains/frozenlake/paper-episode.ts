/**
 * The paper's FrozenLake-Obscure episode (presets 'paper', 'paper-hard'), as the reference plays it:
 * agentscope-ai/Trinity-RFT trinity/common/workflows/connect_the_dots/frozen_lake/ —
 * - workflow_obscure.py @ 139d1c43: parse_numeric_action_number (a prefix match `[Dd]irection\s+(\d+)` on the
 *   stripped answer, so `Direction 2 (Down)` is legal), CoDFrozenLakeObscureWorkflow.step_async (an unparsable answer
 *   or a code outside 1-4 ends the game as a format error with its own message);
 * - workflow.py @ 1d7fae4a: render (tiles ` _ \t` etc.), _build_action_feedback, _get_feedback (the hole's cell is not
 *   named), the turn budget agent_max_steps;
 * - prompts/system_obscure.jinja2 and prompts/user.jinja2 (shiweijiezero/Trinity-RFT @ 622ba7ee, rendered with
 *   trim_blocks and lstrip_blocks): the chat text below;
 * - base_workflow.py @ 1d7fae4a, reward_async: on success 1 - 0.1 · (calls / agent_max_steps) (length_penalty_coef
 *   0.1, the response-length part zero under len_zero_penalty 1e6), else 0.
 * The compact rendering keeps the workbench's terse text for the same state.
 */
import type { StepResult } from '../../sdk.ts';
import type { Cell } from '../shared/grid.ts';
import type { EndResult } from '../shared/solve-episode.ts';
import { LakeEpisode } from './episode.ts';
import { observationText, rulesText } from './render.ts';
import { GOAL, HOLE, PLAYER, type FrozenLakeTask } from './task.ts';
import type { FrozenLakeView, LastMove } from './view.ts';

/** prompts/system_obscure.jinja2 (no template variables). */
export const PAPER_RULES = [
  'You are playing a FrozenLake-Obscure game, where the action-to-direction mapping is unknown. Your task is to reach the goal (G) from your current position (P).',
  '',
  '## Symbols',
  '- P: Player (your current position)',
  '- G: Goal (destination)',
  '- _: Frozen tile (safe to walk)',
  '- O: Hole (fall in and lose)',
  '',
  '## Rules',
  '1. Avoid falling into holes (O).',
  '2. Reach the goal (G) to win.',
  '3. The map is a grid with boundaries at its edges. If you try to move beyond the edge, your position will not change and the map will remain the same.',
  '',
  '## Valid Actions',
  'You can execute one of the following actions at each step: Direction 1, Direction 2, Direction 3, Direction 4.',
  '',
  '## Hidden Clues About the Environment',
  'Each valid action corresponds to moving along one of the up/down/left/right directions, but the exact action-to-direction mapping is unknown. Do not make any prior assumption about the mapping. You may try to figure it out through trial-and-error, e.g., by observing how your position (P) changes on the map after executing an action. You may also utilize additional hints provided in the context.',
  '',
  '## Rewards',
  '- Fall into hole (O): 0',
  '- Reach goal (G): 1',
  '',
  '## Response Format',
  'First think about which action to take at the current step, then provide your final answer. Format your complete response as follows:',
  '```',
  '[THINKING]',
  '<answer>Direction X</answer>',
  '```',
  'where [THINKING] should be replaced with your thinking process, and X is one of 1/2/3/4. ',
  '',
  'Other requirements:',
  '- Be concise and avoid overthinking in your thinking process.',
  '- Take one and only one action for each step.',
  '- You should reach the goal (G) within a limited number of steps. Try to find a short path towards the goal.',
  '- Balance exploration and exploitation: as you strive to reach the goal, you may acquire information about the environment along the way, which can be potentially helpful for solving other similar tasks later on.',
].join('\n');

/** parse_numeric_action_number: `re.match` anchors at the start only. Python's `\d` is Unicode; ASCII digits here. */
const ACTION = /^[Dd]irection\s+(\d+)/;

export const PAPER_FORMAT_ERROR =
  'Invalid format: could not parse action. Expected format: {your reasoning process here}<answer>Direction X</answer>, ' +
  'where X is 1, 2, 3, or 4. Game over.';

export const PAPER_FEEDBACK = {
  success: 'Success! Reached the goal (G).',
  hole: 'Failed: Fell into a hole (O). Avoid holes by planning a safe path.',
} as const;

/** render(): each tile as ` X \t`, the player ` P \t` (` X \t` in a hole, ` √ \t` on the goal), rows joined by newlines. */
export function paperMapText(task: FrozenLakeTask, position: Cell): string {
  return task.tiles
    .map((row, r) =>
      [...row]
        .map((tile, c) => {
          const here = r === position[0] && c === position[1];
          const ch = here ? (tile === HOLE ? 'X' : tile === GOAL ? '√' : PLAYER) : tile;
          return ` ${ch} \t`;
        })
        .join(''),
    )
    .join('\n');
}

/** _build_action_feedback for the action `Direction n`. */
export function paperMoveFeedback(last: LastMove): string {
  const said = `You executed action Direction ${last.code}.`;
  if (last.result === 'blocked') {
    return (
      `${said} Your position did not change (stayed at row=${last.to[0]}, col=${last.to[1]}). ` +
      'This may be because you tried to move beyond the edge of the map.'
    );
  }
  return (
    `${said} Your position changed from (row=${last.from[0]}, col=${last.from[1]}) ` +
    `to (row=${last.to[0]}, col=${last.to[1]}).`
  );
}

/** user.jinja2 with trim_blocks / lstrip_blocks. */
export function paperObservationText(v: FrozenLakeView, map: string): string {
  const feedback = v.last ? `\n${paperMoveFeedback(v.last)}\n` : '';
  const goal = v.reached
    ? ''
    : `You have not reached the goal (row=${v.goal[0]}, col=${v.goal[1]}) yet. Please decide your next action.\n`;
  return `Step ${v.turn + 1}/${v.maxTurns}\n${feedback}\nCurrent map:\n${map}\n${goal}`;
}

export class PaperFrozenLakeEpisode extends LakeEpisode {
  rules(): string {
    return this.rendering === 'chat' ? PAPER_RULES : rulesText('compact', this.maxTurns);
  }

  observation(): string {
    const v = this.view();
    return this.rendering === 'chat'
      ? paperObservationText(v, paperMapText(this.task, this.position))
      : observationText('compact', v);
  }

  protected play(action: string): StepResult {
    const m = typeof action === 'string' ? ACTION.exec(action.trim()) : null;
    if (!m) return this.closeShaped('format_error', PAPER_FORMAT_ERROR);
    const digits = m[1].replace(/^0+(?=\d)/, '');
    const code = digits.length > 1 ? 0 : Number(digits);
    if (code < 1 || code > 4) {
      return this.closeShaped(
        'format_error',
        `Invalid format: Direction ${digits} is not a valid action. Expected: Direction 1, 2, 3, or 4. Game over.`,
      );
    }
    const last = this.move(code);
    if (last.result === 'goal') return this.closeShaped('success', PAPER_FEEDBACK.success);
    if (last.result === 'hole') return this.closeShaped('failure', PAPER_FEEDBACK.hole);
    if (this.turns >= this.maxTurns) {
      return this.closeShaped(
        'out_of_turns',
        `Failed: Ran out of steps (${this.turns}/${this.maxTurns}) without reaching the goal. Try to find a shorter path.`,
      );
    }
    return { done: false, observation: this.observation() };
  }

  /** A response without one valid `<answer>` block: the reference's parse failure, whatever the reason. */
  protected failFormat(): EndResult {
    return this.closeShaped('format_error', PAPER_FORMAT_ERROR);
  }
}
