/**
 * The paper Terminal episode (preset 'paper'), as the reference plays it: trinity/common/workflows/connect_the_dots/
 * terminal/workflow.py (shiweijiezero/Trinity-RFT @ 622ba7ee), CoDTerminalWorkflow —
 * - the system prompt tells the OS, the remote server and user, and the task (prompts/system.jinja2), the user turn
 *   is "Step k/N", the last command's output and the prompt (prompts/user.jinja2);
 * - after every command the goal is checked; met → the episode ends at once with reward 1.0 (early completion);
 *   otherwise it ends after agent_max_steps commands with the final check (1 or 0). No turn shaping;
 * - an answer that is missing or empty is a format error: reward 0;
 * - the final feedback is only "Success! Task completed correctly.", "Failed: Goal state not achieved." or
 *   "Failed: Episode terminated due to action format error." (reward_async).
 */
import type { Outcome, Rendering, StepResult } from '../../../sdk.ts';
import { SolveEpisode, type EndResult } from '../../shared/solve-episode.ts';
import type { TerminalSim } from './env.ts';
import { buildSim, checkGoal, type PaperTerminalTask } from './task.ts';

export const PAPER_FEEDBACK = {
  success: 'Success! Task completed correctly.',
  failure: 'Failed: Goal state not achieved.',
  format: 'Failed: Episode terminated due to action format error.',
} as const;

const OS_NAME = { windows: 'Windows', mac: 'macOS', linux: 'Linux' } as const;

/** prompts/system.jinja2 (plain substitutions; the template's final newline is dropped by Jinja). */
export function paperSystemPrompt(task: PaperTerminalTask, maxSteps: number): string {
  return [
    'You are interacting with a simulated terminal environment. Your goal is to complete file operations by typing commands.',
    '',
    '## Environment',
    `- Local machine: ${OS_NAME[task.os]} (type: ${task.os}, hostname: localhost)`,
    `- Remote server: ${task.remoteHost} (Linux, SSH pre-configured)`,
    `- Remote username: ${task.remoteUser}`,
    '',
    '## Available Commands',
    'ls, dir, cd, pwd, cat, type, mkdir, chmod, cp, copy, mv, move, rm, del, ren, touch, scp, rsync, ssh, exit, whoami, echo, tar, zip, unzip, gzip, gunzip',
    '',
    'Note: Not all commands are available on all systems.',
    '',
    '## Task',
    task.description,
    '',
    '## Response Format',
    'First think step by step about which command to run, then provide your command using <answer>...</answer> tags at the end. Format your complete response as follows:',
    '```',
    '[THINKING]',
    '<answer>COMMAND</answer>',
    '```',
    'where [THINKING] should be replaced with your thinking process, while COMMAND is a single shell command line to execute this turn.',
    '',
    'Other requirements:',
    '- Be concise and avoid overthinking in your thinking process.',
    '- Issue exactly ONE command per turn. You may use `&&` or `;` to chain commands within the single `<answer>` block.',
    '- If your response cannot be parsed (missing `<answer>` tags), the episode ends immediately.',
    `- You have ${maxSteps} steps to complete the task.`,
    '- The `<answer>` tag must appear at the END of your response.',
  ].join('\n');
}

/** The public view of a paper Terminal episode: what the text shows, never the goal checks. */
export type PaperTerminalView = {
  readonly domain: 'terminal';
  readonly variant: 'paper';
  readonly taskId: string;
  readonly turn: number;
  readonly maxTurns: number;
  readonly os: PaperTerminalTask['os'];
  readonly remoteHost: string;
  readonly remoteUser: string;
  readonly description: string;
  /** The prompt string now, e.g. "user@localhost:~$ " (shows the machine and the directory). */
  readonly prompt: string;
  readonly lastCommand: string | null;
  /** Output of the last command ('' when it printed nothing). */
  readonly output: string | null;
  readonly done: boolean;
};

export class PaperTerminalEpisode extends SolveEpisode {
  private readonly sim: TerminalSim;
  private turns = 0;
  private lastCommand: string | null = null;
  private output: string | null = null;

  constructor(
    readonly taskId: string,
    private readonly task: PaperTerminalTask,
    readonly maxTurns: number,
    private readonly rendering: Rendering,
  ) {
    super();
    this.sim = buildSim(task);
  }

  rules(): string {
    if (this.rendering === 'chat') return paperSystemPrompt(this.task, this.maxTurns);
    return [
      `Simulated terminal. Local: ${OS_NAME[this.task.os]}, hostname localhost. Remote: ${this.task.remoteUser}@${this.task.remoteHost} (Linux, ssh ready).`,
      'Commands: ls dir cd pwd cat type mkdir chmod cp copy mv move rm del ren touch scp rsync ssh exit whoami echo tar zip unzip gzip gunzip (not all on every OS).',
      `One command line per turn in <answer>CMD</answer>; && and ; chain. ${this.maxTurns} steps.`,
      `Task: ${this.task.description}`,
    ].join('\n');
  }

  observation(): string {
    const v = this.view();
    if (this.rendering === 'chat') {
      return `Step ${v.turn + 1}/${v.maxTurns}\n${v.output ? `\n${v.output}\n` : ''}\n${v.prompt}`;
    }
    return `step ${v.turn + 1}/${v.maxTurns}${v.output ? `\n${v.output}` : ''}\n${v.prompt}`;
  }

  turnsUsed(): number {
    return this.turns;
  }

  view(): PaperTerminalView {
    return {
      domain: 'terminal',
      variant: 'paper',
      taskId: this.taskId,
      turn: this.turns,
      maxTurns: this.maxTurns,
      os: this.task.os,
      remoteHost: this.task.remoteHost,
      remoteUser: this.task.remoteUser,
      description: this.task.description,
      prompt: this.sim.promptString(),
      lastCommand: this.lastCommand,
      output: this.output,
      done: this.end !== undefined,
    };
  }

  protected play(action: string): StepResult {
    const cmd = typeof action === 'string' ? action.trim() : '';
    if (cmd === '') return this.finish('format_error', 0);
    this.turns++;
    this.lastCommand = cmd;
    this.output = this.sim.execute(cmd);
    if (checkGoal(this.task, this.sim) > 0.5) {
      this.output = 'Task completed successfully.';
      return this.finish('success', 1);
    }
    if (this.turns >= this.maxTurns) {
      const reward = checkGoal(this.task, this.sim);
      return this.finish(reward > 0.5 ? 'success' : 'out_of_turns', reward);
    }
    return { done: false, observation: this.observation() };
  }

  protected failFormat(): EndResult {
    return this.finish('format_error', 0);
  }

  private finish(outcome: Outcome, reward: number): EndResult {
    const feedback =
      outcome === 'format_error'
        ? PAPER_FEEDBACK.format
        : reward > 0.5
          ? PAPER_FEEDBACK.success
          : PAPER_FEEDBACK.failure;
    return this.close({ outcome, success: reward > 0.5, reward, feedback });
  }
}
