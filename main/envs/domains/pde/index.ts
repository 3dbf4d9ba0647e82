/**
 * PDE Discovery (environments.md, paper v2): identify the hidden sparse reaction term f(u) of
 * u_t = D·u_xx + f(u) with tools (sample, evidence, regress, commit); the commit feedback says which committed
 * terms are in the law and how many are missing, which the notes carry to the next task.
 */
import { stableSeed } from '../../seed.ts';
import type { DomainWithAgents, OpenPackArgs, Pack, TaskEpisode } from '../../sdk.ts';
import { checkAgentArgs, checkPackArgs, checkTaskIndex, readOptions } from '../shared/config.ts';
import { CodError } from '../../../base/errors.ts';
import { pdeAgent } from './agent.ts';
import { PdeEpisode, type PdePackState } from './episode.ts';
import { drawLaw } from './law.ts';
import { paperPdeAgent } from './paper/agent.ts';
import { PaperPdeEpisode } from './paper/episode.ts';
import { isPaperPreset, PAPER_PDE_PRESETS } from './paper/params.ts';
import { PaperPackState, PaperPdeWorld } from './paper/world.ts';
import { pdeParams } from './params.ts';
import { pdeTask } from './task.ts';

export const pde: DomainWithAgents = {
  id: 'pde',
  title: 'PDE Discovery',
  description:
    'Identify the sparse reaction term f(u) of a 1-D reaction–diffusion equation u_t = D·u_xx + f(u) from a fixed ' +
    'dictionary by sampling noisy residuals, running sparse regression and committing an equation. The law is hidden ' +
    'per pack; the commit feedback reveals which terms were right, and sampled evidence persists across the pack.',
  // 'paper' / 'paper-hard': the reference implementation's environment, training and benchmark (docs/fidelity.md).
  presets: ['train', 'easy', 'hard', 'paper', 'paper-hard'],
  defaultPreset: 'train',

  openPack(args: OpenPackArgs): Pack {
    checkPackArgs('pde', args);
    if (isPaperPreset(args.preset)) return openPaperPack(args, args.preset);
    const params = pdeParams(args.preset, args.options);
    const { seed, preset, rendering } = args;
    const packTag = stableSeed('pde', seed, preset).slice(0, 8);
    const state: PdePackState = { evidence: [] };
    return {
      domain: 'pde',
      seed,
      startTask(index: number): TaskEpisode {
        const i = checkTaskIndex('pde', index);
        const law = drawLaw(params, seed, i);
        const task = pdeTask(params, law, seed, preset, i);
        // The measurement noise belongs to the task: a repeated task (Ralph loop) is exactly the same task.
        const noiseSeed = stableSeed('pde', seed, preset, 'noise', i);
        return new PdeEpisode(`pde/${packTag}/${i}`, task, params, rendering, state, noiseSeed);
      },
    };
  },

  scriptedAgent(args) {
    checkAgentArgs('pde', args);
    // The agent is made before it sees a task: it plays whichever engine the view comes from.
    const own = pdeAgent(args);
    const paper = paperPdeAgent(args);
    const pick = (view: Readonly<Record<string, unknown>>) => (view.variant === 'paper' ? paper : own);
    return {
      act: (hints, view) => pick(view).act(hints, view),
      writeNotes: (prevHints, finalView, end) => pick(finalView).writeNotes(prevHints, finalView, end),
    };
  },
};

/**
 * The reference's PDE environment: one hidden law and one simulated trajectory per task position (S of them, the
 * lifecycle's pack size or the config's), and the pack state the tasks share; task 0 starts that state afresh, as
 * the reference's task_position 1 does. Options are not accepted: the preset is the reference's config.
 */
function openPaperPack(args: OpenPackArgs, preset: 'paper' | 'paper-hard'): Pack {
  readOptions('pde', args.options, {});
  const params = PAPER_PDE_PRESETS[preset];
  const packSize = args.packSize ?? params.defaultPackSize;
  if (!Number.isInteger(packSize) || packSize < 1 || packSize > 64) {
    throw new CodError(
      'bad_config',
      `pack size must be an integer in [1, 64], got ${String(packSize)}`,
      'pde.packSize',
    );
  }
  const { seed } = args;
  const packTag = stableSeed('pde', seed, preset).slice(0, 8);
  let world: PaperPdeWorld | null = null;
  let state = new PaperPackState();
  return {
    domain: 'pde',
    seed,
    startTask(index: number): TaskEpisode {
      const i = checkTaskIndex('pde', index);
      // The law and the trajectories are drawn once per pack (on first use: calibration and simulation take time).
      world ??= new PaperPdeWorld(seed, params, packSize, args.packIndex);
      if (i === 0) state = new PaperPackState();
      return new PaperPdeEpisode(`pde/${packTag}/${i}`, i, world, state);
    },
  };
}
