/**
 * Alchemy-Random (environments.md): craft a target element from base elements through a procedural recipe book
 * hidden per pack. Successful and failed combinations reveal the book; targets change from task to task.
 */
import type { DomainWithAgents, OpenPackArgs, Pack } from '../../sdk.ts';
import { checkAgentArgs, checkPackArgs } from '../shared/config.ts';
import { numberedPack } from '../shared/pack.ts';
import { alchemyAgent } from './agent.ts';
import { AlchemyEpisode } from './episode.ts';
import { buildRecipeBook } from './instance.ts';
import { alchemyParams, isPaperPreset, paperAlchemyParams } from './params.ts';
import { PaperAlchemyEpisode } from './paper-episode.ts';
import { buildPaperPack, paperTask } from './paper-instance.ts';
import { makeTask, TargetSequence } from './task.ts';

export const alchemy: DomainWithAgents = {
  id: 'alchemy',
  title: 'Alchemy-Random',
  description:
    'Combine elements to craft a target. The recipe book (tiers of randomly named elements, each made from ' +
    'pairs of lower-tier elements, plus dead ends) is hidden per pack; every combination tried reveals a ' +
    'recipe or a failure, and later targets build on the same book.',
  // 'paper' / 'paper-hard': the reference implementation's instances, prompts and rules (docs/fidelity.md).
  presets: ['train', 'easy', 'hard', 'paper', 'paper-hard'],
  defaultPreset: 'train',

  openPack(args: OpenPackArgs): Pack {
    checkPackArgs('alchemy', args);
    if (isPaperPreset(args.preset)) return openPaperPack(args);
    const params = alchemyParams(args.preset, args.options);
    const { seed, preset, rendering } = args;
    const book = buildRecipeBook(params, seed, preset);
    const targets = new TargetSequence(book, seed, preset);
    return numberedPack('alchemy', seed, preset, (i, taskId) => {
      const task = makeTask(params, book, targets, seed, preset, i);
      return new AlchemyEpisode(taskId, book, task, params.rounds, rendering);
    });
  },

  scriptedAgent(args) {
    checkAgentArgs('alchemy', args);
    return alchemyAgent(args);
  },
};

/** The reference's pack: one recipe book, a target schedule as long as the pack (its default 8 when not told). */
function openPaperPack(args: OpenPackArgs): Pack {
  const params = paperAlchemyParams(args.preset, args.options);
  const { seed, preset, rendering } = args;
  const pack = buildPaperPack(params, seed, preset, args.packSize ?? 8);
  return numberedPack('alchemy', seed, preset, (i, taskId) => {
    const task = paperTask(params, pack, seed, preset, i);
    return new PaperAlchemyEpisode(taskId, pack.book, task, params.rounds, params.limited, rendering);
  });
}
