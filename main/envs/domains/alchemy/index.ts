/**
 * Alchemy-Random (environments.md): craft a target element from base elements through a procedural recipe book
 * hidden per pack. Successful and failed combinations reveal the book; targets change from task to task.
 */
import { stableSeed } from '../../seed.ts';
import type { DomainWithAgents, OpenPackArgs, Pack, TaskEpisode } from '../../sdk.ts';
import { checkAgentArgs, checkPackArgs, checkTaskIndex } from '../shared/config.ts';
import { alchemyAgent } from './agent.ts';
import { AlchemyEpisode } from './episode.ts';
import { buildRecipeBook } from './instance.ts';
import { alchemyParams } from './params.ts';
import { makeTask, TargetSequence } from './task.ts';

export const alchemy: DomainWithAgents = {
  id: 'alchemy',
  title: 'Alchemy-Random',
  description:
    'Combine elements to craft a target. The recipe book (tiers of randomly named elements, each made from ' +
    'pairs of lower-tier elements, plus dead ends) is hidden per pack; every combination tried reveals a ' +
    'recipe or a failure, and later targets build on the same book.',
  presets: ['train', 'easy', 'hard'],
  defaultPreset: 'train',

  openPack(args: OpenPackArgs): Pack {
    checkPackArgs('alchemy', args);
    const params = alchemyParams(args.preset, args.options);
    const { seed, preset, rendering } = args;
    const book = buildRecipeBook(params, seed, preset);
    const targets = new TargetSequence(book, seed, preset);
    const packTag = stableSeed('alchemy', seed, preset).slice(0, 8);
    return {
      domain: 'alchemy',
      seed,
      startTask(index: number): TaskEpisode {
        const i = checkTaskIndex('alchemy', index);
        const task = makeTask(params, book, targets, seed, preset, i);
        return new AlchemyEpisode(`alchemy/${packTag}/${i}`, book, task, params.rounds, rendering);
      },
    };
  },

  scriptedAgent(args) {
    checkAgentArgs('alchemy', args);
    return alchemyAgent(args);
  },
};
