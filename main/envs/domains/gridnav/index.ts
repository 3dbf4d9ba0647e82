/**
 * Grid Navigation (environments.md): reach the target in an exact number of rook moves over a cost map hidden
 * per pack, keeping the mean cost of entered cells low. Cells near entered cells are revealed and, by default,
 * stay revealed for the rest of the pack (pack state).
 */
import { stableSeed } from '../../seed.ts';
import type { DomainWithAgents, OpenPackArgs, Pack, TaskEpisode } from '../../sdk.ts';
import { checkAgentArgs, checkPackArgs, checkTaskIndex } from '../shared/config.ts';
import { gridNavAgent } from './agent.ts';
import { GridNavEpisode } from './episode.ts';
import { buildCostMap, RevealedCells } from './instance.ts';
import { gridNavParams } from './params.ts';
import { generateTask } from './task.ts';

export const gridNav: DomainWithAgents = {
  id: 'gridnav',
  title: 'Grid Navigation',
  description:
    'Reach the target in an exact number of rook moves while keeping the mean cost of entered cells low. The ' +
    'cost map (smooth hills, costs 0-99) is hidden per pack; moving reveals the costs around entered cells, ' +
    'which stay revealed for the rest of the pack unless the persistReveal option is off.',
  presets: ['train', 'easy', 'hard'],
  defaultPreset: 'train',

  openPack(args: OpenPackArgs): Pack {
    checkPackArgs('gridnav', args);
    const params = gridNavParams(args.preset, args.options);
    const { seed, preset, rendering } = args;
    const map = buildCostMap(params, seed, preset);
    const packRevealed = new RevealedCells(map.size);
    const packTag = stableSeed('gridnav', seed, preset).slice(0, 8);
    return {
      domain: 'gridnav',
      seed,
      startTask(index: number): TaskEpisode {
        const i = checkTaskIndex('gridnav', index);
        const task = generateTask(params, map.size, seed, preset, i);
        const revealed = params.persistReveal ? packRevealed : new RevealedCells(map.size);
        return new GridNavEpisode(
          `gridnav/${packTag}/${i}`,
          map,
          revealed,
          task,
          params.revealRadius,
          params.persistReveal,
          rendering,
        );
      },
    };
  },

  scriptedAgent(args) {
    checkAgentArgs('gridnav', args);
    return gridNavAgent(args);
  },
};
