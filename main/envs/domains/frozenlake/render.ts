/**
 * FrozenLake text in the two styles. `chat` is the full prompt for real LLMs; `compact` carries the same facts
 * (step counter, grid, goal, whether it is reached, the position-change feedback) in a few tokens, and spells out
 * two facts of the visible map that a sub-million-parameter model cannot work out from the text: the absolute
 * direction of the last move and the first moves of the shortest safe paths. Neither says anything about the
 * hidden code→direction mapping, which stays the thing to learn and to carry in notes.
 */
import type { Rendering } from '../../sdk.ts';
import { cellText, renderTileGrid } from '../shared/grid.ts';
import { moveDirection } from './directions.ts';
import { routeMoves } from './task.ts';
import { lakeTiles, type FrozenLakeView, type LastMove } from './view.ts';

function routeText(v: FrozenLakeView): string {
  const moves = routeMoves(lakeTiles(v), v.position, v.goal);
  return moves.length > 0 ? moves.join(' ') : 'none';
}

export function rulesText(rendering: Rendering, maxTurns: number): string {
  if (rendering === 'compact') {
    return [
      `FrozenLake. Tiles: _ frozen, O hole, G goal, P you. Reach G within ${maxTurns} moves; O ends the game.`,
      'Act: <answer>Direction X</answer>, X in 1-4. Each X is one of Down/Right/Up/Left; which one is unknown.',
      'Positions are (row,col) from 0; Down = row+1, Right = col+1. Off-edge moves leave you in place.',
      'route: the directions that start a shortest safe path to G.',
    ].join('\n');
  }
  return [
    'You are playing FrozenLake on a square grid of ice.',
    '',
    '## Tiles',
    '- `_` frozen ice (safe), `O` a hole, `G` the goal, `P` your current position (your start tile is frozen).',
    '- Positions are written (row,col), counted from 0; row 0 is the top row and column 0 the left column.',
    '- Moving Down increases the row, Up decreases it, Right increases the column, Left decreases it.',
    '',
    '## Actions',
    '- There are four actions, `Direction 1`, `Direction 2`, `Direction 3` and `Direction 4`.',
    '- Each one moves you one tile Down, Right, Up or Left, but which code means which direction is not told.',
    '  The feedback after every move says how your position changed.',
    '- A move beyond the edge of the grid leaves your position unchanged.',
    '',
    '## Goal and reward',
    `- Reach the goal G within ${maxTurns} moves. Stepping into a hole ends the game with reward 0, and so does`,
    '  running out of moves. Reaching the goal earns reward 1, slightly less the more moves it took.',
    '',
    '## Response format',
    'Think briefly, then give exactly one action as `<answer>Direction X</answer>` where X is 1, 2, 3 or 4.',
  ].join('\n');
}

export function moveFeedback(rendering: Rendering, last: LastMove): string {
  if (rendering === 'compact') {
    const move =
      last.result === 'blocked'
        ? `${cellText(last.from)} unchanged (edge)`
        : `${cellText(last.from)}->${cellText(last.to)} ${moveDirection(last.from, last.to) ?? '?'} ${last.code}`;
    const tail = last.result === 'hole' ? ' hole' : last.result === 'goal' ? ' goal' : '';
    // The code again after the direction ("… Down 3"): notes are written direction first, and a model writing
    // "- Down" then finds the code as the token after that direction here — a copy, not a lookup backwards.
    return `Direction ${last.code}: ${move}${tail}`;
  }
  const said = `You executed action Direction ${last.code}.`;
  if (last.result === 'blocked') {
    return `${said} Your position did not change (maybe tried to move beyond the edge); you are still at ${cellText(last.from)}.`;
  }
  const moved = `${said} Your position changed from ${cellText(last.from)} to ${cellText(last.to)}.`;
  if (last.result === 'hole') return `${moved} You fell into a hole. Game over.`;
  if (last.result === 'goal') return `${moved} You reached the goal!`;
  return moved;
}

export function observationText(rendering: Rendering, v: FrozenLakeView): string {
  const step = v.done ? `Finished after ${v.turn}/${v.maxTurns} steps` : `Step ${v.turn + 1}/${v.maxTurns}`;
  if (rendering === 'compact') {
    return [
      v.done ? `end ${v.turn}/${v.maxTurns}` : `step ${v.turn + 1}/${v.maxTurns}`,
      ...(v.last ? [moveFeedback(rendering, v.last)] : []),
      renderTileGrid(v.grid, rendering),
      `at ${cellText(v.position)} goal ${cellText(v.goal)} reached:${v.reached ? 'yes' : 'no'}`,
      ...(v.done ? [] : [`route: ${routeText(v)}`]),
    ].join('\n');
  }
  return [
    step,
    ...(v.last ? [moveFeedback(rendering, v.last)] : []),
    'Current grid:',
    renderTileGrid(v.grid, rendering),
    `Your position: ${cellText(v.position)}. Goal position: ${cellText(v.goal)}. Goal reached: ${v.reached ? 'yes' : 'no'}.`,
    ...(v.done ? [] : ['Choose your next action.']),
  ].join('\n');
}
