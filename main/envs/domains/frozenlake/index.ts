/**
 * FrozenLake-Obscure (environments.md): reach the goal on a small lake whose action codes 1..4 map to
 * Down/Right/Up/Left by a permutation hidden per pack; the position-change feedback reveals it.
 */
import type { DomainWithAgents, OpenPackArgs, Pack } from '../../sdk.ts';
import { checkAgentArgs, checkPackArgs } from '../shared/config.ts';
import { numberedPack } from '../shared/pack.ts';
import { frozenLakeAgent } from './agent.ts';
import { FrozenLakeEpisode } from './episode.ts';
import { frozenLakeParams } from './params.ts';
import { PaperFrozenLakeEpisode } from './paper-episode.ts';
import { generatePaperTask } from './paper-task.ts';
import { generateTask } from './task.ts';

export const frozenLake: DomainWithAgents = {
  id: 'frozenlake',
  title: 'FrozenLake-Obscure',
  description:
    'Reach the goal on a frozen lake without falling into holes. The action codes Direction 1-4 map to ' +
    'Down/Right/Up/Left by a permutation hidden per pack (or per task / globally, by option); the feedback ' +
    '"your position changed from (r,c) to (r\',c\')" reveals it.',
  // 'paper' / 'paper-hard': the reference implementation's lakes, prompts and rules (docs/fidelity.md).
  presets: ['train', 'easy', 'hard', 'paper', 'paper-hard'],
  defaultPreset: 'train',

  openPack(args: OpenPackArgs): Pack {
    checkPackArgs('frozenlake', args);
    const params = frozenLakeParams(args.preset, args.options);
    const { seed, preset, rendering } = args;
    return numberedPack('frozenlake', seed, preset, (i, id) => {
      if (params.variant === 'paper') {
        return new PaperFrozenLakeEpisode(id, generatePaperTask(params, seed, preset, i), params.maxTurns, rendering);
      }
      return new FrozenLakeEpisode(id, generateTask(params, seed, preset, i), params.maxTurns, rendering);
    });
  },

  scriptedAgent(args) {
    checkAgentArgs('frozenlake', args);
    return frozenLakeAgent(args);
  },
};
