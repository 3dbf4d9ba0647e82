/**
 * TerminalSimulator (environments.md): everyday file chores in a simulated Linux, macOS or Windows shell with a
 * simulated remote host. Hidden per pack: the flavour's machine — which tools exist, the SSH port, where files and
 * folders live. Nothing is ever executed on the host: the shell, its parser and the file systems are simulated.
 */
import type { DomainWithAgents, OpenPackArgs, Pack, ScriptedAgent, ScriptedAgentArgs } from '../../sdk.ts';
import { checkAgentArgs, checkPackArgs, readOptions } from '../shared/config.ts';
import { numberedPack } from '../shared/pack.ts';
import { terminalAgent } from './agent.ts';
import { TerminalEpisode } from './episode.ts';
import { FLAVOUR_INFO } from './flavour.ts';
import { terminalSite } from './instance.ts';
import { terminalParams } from './params.ts';
import { isPaperTerminalView, paperTerminalAgent } from './paper/agent.ts';
import { PaperTerminalEpisode } from './paper/episode.ts';
import { generatePaperTask, rowSeed } from './paper/task.ts';
import { terminalTask } from './task.ts';

export const terminal: DomainWithAgents = {
  id: 'terminal',
  title: 'Terminal Simulator',
  description:
    'Everyday file tasks (create, copy, move, rename, find, archive, permissions, copy to a remote host) in a ' +
    'simulated Linux, macOS or Windows shell. Hidden per pack: which archiver and remote copier the machine has, the ' +
    "remote host's SSH port, and where files and named folders live; errors, searches and the final goal check reveal them.",
  // 'paper': the reference implementation's tasks and simulator, every task its own (docs/fidelity.md).
  presets: ['train', 'easy', 'hard', 'paper'],
  defaultPreset: 'train',

  openPack(args: OpenPackArgs): Pack {
    checkPackArgs('terminal', args);
    if (args.preset === 'paper') return openPaperPack(args);
    const params = terminalParams(args.preset, args.options);
    const { seed, preset, rendering } = args;
    const site = terminalSite(seed, params.flavours);
    const info = FLAVOUR_INFO[site.flavour];
    return numberedPack('terminal', seed, preset, (i, taskId) => {
      const task = terminalTask(site, params, seed, preset, i, (p) => info.formatPath(p));
      return new TerminalEpisode(taskId, site, task, params.maxTurns, rendering, seed);
    });
  },

  scriptedAgent(args) {
    checkAgentArgs('terminal', args);
    return new ByVariant(args);
  },
};

/**
 * The paper preset's options: the reference's workflow_args agent_max_steps (12 in its eval config,
 * exp_plan_final/bench/eval_terminal.yaml @ 1d7fae4a) and composite_ratio (0.5).
 */
const PAPER_OPTIONS = {
  maxTurns: { kind: 'int', min: 1, max: 60 },
  compositeFraction: { kind: 'number', min: 0, max: 1 },
} as const;

/** The reference's pack: task i is dataset row i, generated from its own seed; the pack seed only picks the rows. */
function openPaperPack(args: OpenPackArgs): Pack {
  const o = readOptions('terminal', args.options, PAPER_OPTIONS);
  const maxTurns = o.maxTurns ?? 12;
  const composite = o.compositeFraction ?? 0.5;
  const { seed, rendering } = args;
  return numberedPack('terminal', seed, 'paper', (i, taskId) => {
    const task = generatePaperTask(rowSeed(seed, i), composite);
    return new PaperTerminalEpisode(taskId, task, maxTurns, rendering);
  });
}

/** One scripted agent for both variants: the view says which one a task is. */
class ByVariant implements ScriptedAgent {
  private readonly own: ScriptedAgent;
  private readonly paper: ScriptedAgent;
  private lastPaper = false;

  constructor(args: ScriptedAgentArgs) {
    this.own = terminalAgent(args);
    this.paper = paperTerminalAgent(args);
  }

  private pick(view: Readonly<Record<string, unknown>>): ScriptedAgent {
    this.lastPaper = isPaperTerminalView(view);
    return this.lastPaper ? this.paper : this.own;
  }

  act(hints: string, view: Readonly<Record<string, unknown>>): string {
    return this.pick(view).act(hints, view);
  }

  thought(): string {
    return this.lastPaper ? '' : (this.own.thought?.() ?? '');
  }

  writeNotes(
    prevHints: string,
    finalView: Readonly<Record<string, unknown>>,
    end: Parameters<ScriptedAgent['writeNotes']>[2],
  ): string {
    return this.pick(finalView).writeNotes(prevHints, finalView, end);
  }
}
