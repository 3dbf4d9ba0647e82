/**
 * PDE Discovery (environments.md, paper v2): identify the hidden sparse reaction term f(u) of
 * u_t = D·u_xx + f(u) with tools (sample, evidence, regress, commit); the commit feedback says which committed
 * terms are in the law and how many are missing, which the notes carry to the next task.
 */
import { stableSeed } from '../../seed.ts';
import type { DomainWithAgents, OpenPackArgs, Pack, TaskEpisode } from '../../sdk.ts';
import { checkAgentArgs, checkPackArgs, checkTaskIndex } from '../shared/config.ts';
import { pdeAgent } from './agent.ts';
import { PdeEpisode, type PdePackState } from './episode.ts';
import { drawLaw } from './law.ts';
import { pdeParams } from './params.ts';
import { pdeTask } from './task.ts';

export const pde: DomainWithAgents = {
  id: 'pde',
  title: 'PDE Discovery',
  description:
    'Identify the sparse reaction term f(u) of a 1-D reaction–diffusion equation u_t = D·u_xx + f(u) from a fixed ' +
    'dictionary by sampling noisy residuals, running sparse regression and committing an equation. The law is hidden ' +
    'per pack; the commit feedback reveals which terms were right, and sampled evidence persists across the pack.',
  // 'paper' / 'paper-hard': the reference's reward, feedback and sizes on the workbench's engine (docs/fidelity.md).
  presets: ['train', 'easy', 'hard', 'paper', 'paper-hard'],
  defaultPreset: 'train',

  openPack(args: OpenPackArgs): Pack {
    checkPackArgs('pde', args);
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
    return pdeAgent(args);
  },
};
