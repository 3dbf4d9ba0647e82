/**
 * The Terminal solve episode: each action is one command line for the simulated shell of this task's machine;
 * after every command the goals are checked on the final-state predicates (all met -> 1.0 at once).
 */
import type { Outcome, Rendering, StepResult } from '../../sdk.ts';
import { quoteInput } from '../shared/feedback.ts';
import { SolveEpisode, type EndResult } from '../shared/solve-episode.ts';
import type { Ctx } from './context.ts';
import { FLAVOUR_INFO } from './flavour.ts';
import type { FileSystem } from './fs.ts';
import { goalMet } from './goals.ts';
import type { TerminalSite } from './instance.ts';
import { goalText, observationText, rulesText } from './render.ts';
import { Shell } from './shell.ts';
import { stepText, type TerminalTask } from './task.ts';
import type { GoalReport, TerminalView } from './view.ts';
import { buildLocal, buildRemote } from './world.ts';

export class TerminalEpisode extends SolveEpisode {
  private readonly shell: Shell;
  private readonly local: FileSystem;
  private readonly remote: FileSystem;
  private turns = 0;
  private lastCommand: string | null = null;
  private output: string | null = null;
  private goals: GoalReport[] | null = null;

  constructor(
    readonly taskId: string,
    private readonly site: TerminalSite,
    private readonly task: TerminalTask,
    readonly maxTurns: number,
    private readonly rendering: Rendering,
    packSeed: string,
  ) {
    super();
    const flavour = FLAVOUR_INFO[site.flavour];
    this.local = buildLocal(site, packSeed, task.files, task.extraDirs);
    const remote = buildRemote(site);
    this.remote = remote.fs;
    const ctx: Ctx = {
      fs: this.local,
      flavour,
      cwd: flavour.home.slice(),
      hostname: site.hostname,
      archiveTool: site.archiveTool,
      remoteTool: site.remoteTool,
      remote,
    };
    this.shell = new Shell(ctx);
  }

  rules(): string {
    return rulesText(this.rendering, this.maxTurns);
  }

  observation(): string {
    return observationText(this.rendering, this.view());
  }

  turnsUsed(): number {
    return this.turns;
  }

  view(): TerminalView {
    return {
      domain: 'terminal',
      taskId: this.taskId,
      turn: this.turns,
      maxTurns: this.maxTurns,
      steps: this.task.steps,
      instructions: this.task.steps.map(stepText),
      prompt: this.shell.prompt(),
      lastCommand: this.lastCommand,
      output: this.output,
      goals: this.goals,
      done: this.end !== undefined,
    };
  }

  private check(): GoalReport[] {
    return this.task.goals.map((g) => ({ description: g.description, met: goalMet(g, this.local, this.remote) }));
  }

  protected play(action: string): StepResult {
    const line = typeof action === 'string' ? action : '';
    const run = this.shell.run(line);
    if (run.formatError) {
      return this.finish(
        'format_error',
        0,
        `Format error: ${run.formatError} in ${quoteInput(line)}. Expected one command line in <answer>…</answer>. Game over.`,
      );
    }
    this.turns++;
    this.lastCommand = line.trim();
    this.output = run.output;
    if (run.illegal) {
      return this.finish('illegal_action', 0, `Illegal action: ${run.illegal} would destroy the machine. Game over.`);
    }
    const report = this.check();
    const met = report.filter((g) => g.met).length;
    if (met === report.length) {
      this.goals = report;
      return this.finish(
        'success',
        1,
        `Success: every goal met after ${this.turns} commands.\n${goalText(this.rendering, this.view())}`,
      );
    }
    if (run.exit || this.turns >= this.maxTurns) {
      this.goals = report;
      const reward = met / report.length;
      const success = reward > 0.5;
      const outcome: Outcome = success ? 'success' : run.exit ? 'failure' : 'out_of_turns';
      const why = run.exit ? 'You ended the task with exit.' : `Ran out of turns (${this.maxTurns}).`;
      return this.finish(outcome, reward, `${why}\n${goalText(this.rendering, this.view())}`);
    }
    return { done: false, observation: this.observation() };
  }

  protected failFormat(reason: string): EndResult {
    return this.finish(
      'format_error',
      0,
      `Format error: ${String(reason).slice(0, 200)}. Expected <answer>COMMAND</answer>. Game over.`,
    );
  }

  private finish(outcome: Outcome, reward: number, feedback: string): EndResult {
    return this.close({ outcome, success: outcome === 'success', reward, feedback });
  }
}
