/**
 * Grid Navigation (environments.md): reach the target in an exact number of rook moves over a cost map hidden
 * per pack, keeping the mean cost of entered cells low. Cells near entered cells are revealed and, by default,
 * stay revealed for the rest of the pack (pack state).
 */
import type { DomainWithAgents, OpenPackArgs, Pack } from '../../sdk.ts';
import { checkAgentArgs, checkPackArgs, withOptions } from '../shared/config.ts';
import { numberedPack } from '../shared/pack.ts';
import { gridNavAgent } from './agent.ts';
import { GridNavEpisode } from './episode.ts';
import { buildCostMap, RevealedCells } from './instance.ts';
import { gridNavParams } from './params.ts';
import { PAPER_GRID_PRESETS, PaperGridEpisode, PaperGridPack, paperGridTask, type PaperGridParams } from './paper.ts';
import { generateTask } from './task.ts';

export const gridNav: DomainWithAgents = {
  id: 'gridnav',
  title: 'Grid Navigation',
  description:
    'Reach the target in an exact number of rook moves while keeping the mean cost of entered cells low. The ' +
    'cost map (smooth hills, costs 0-99) is hidden per pack; moving reveals the costs around entered cells, ' +
    'which stay revealed for the rest of the pack unless the persistReveal option is off.',
  // 'paper' / 'paper-hard': the reference implementation's maps, prompts and rules (docs/fidelity.md).
  presets: ['train', 'easy', 'hard', 'paper', 'paper-hard'],
  defaultPreset: 'train',

  openPack(args: OpenPackArgs): Pack {
    checkPackArgs('gridnav', args);
    if (Object.hasOwn(PAPER_GRID_PRESETS, args.preset)) return openPaperPack(args);
    const params = gridNavParams(args.preset, args.options);
    const { seed, preset, rendering } = args;
    const map = buildCostMap(params, seed, preset);
    const packRevealed = new RevealedCells(map.size);
    return numberedPack('gridnav', seed, preset, (i, taskId) => {
      const task = generateTask(params, map.size, seed, preset, i);
      const revealed = params.persistReveal ? packRevealed : new RevealedCells(map.size);
      const { revealRadius, persistReveal } = params;
      return new GridNavEpisode(taskId, map, revealed, task, revealRadius, persistReveal, rendering);
    });
  },

  scriptedAgent(args) {
    checkAgentArgs('gridnav', args);
    return gridNavAgent(args);
  },
};

const PAPER_OPTIONS = {
  minSize: { kind: 'int', min: 3, max: 30 },
  maxSize: { kind: 'int', min: 3, max: 30 },
  components: { kind: 'int', min: 2, max: 12 },
  minRounds: { kind: 'int', min: 1, max: 20 },
  maxRounds: { kind: 'int', min: 1, max: 20 },
} as const;

function openPaperPack(args: OpenPackArgs): Pack {
  const params: PaperGridParams = withOptions('gridnav', PAPER_GRID_PRESETS[args.preset], args.options, PAPER_OPTIONS);
  const { seed, preset, rendering } = args;
  const pack = new PaperGridPack(params, seed, preset);
  return numberedPack('gridnav', seed, preset, (i, taskId) => {
    if (i === 0) pack.resetRevealed();
    const task = paperGridTask(params, pack.size, seed, preset, i);
    return new PaperGridEpisode(taskId, pack, task, params.revealRadius, rendering);
  });
}
