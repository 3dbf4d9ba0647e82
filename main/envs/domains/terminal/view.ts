/** The public view of a Terminal task: what the text shows, as data. Never holds the site's hidden facts. */
import { CodError } from '../../../base/errors.ts';
import type { TaskStep } from './task.ts';

export type GoalReport = { readonly description: string; readonly met: boolean };

export type TerminalView = {
  readonly domain: 'terminal';
  readonly taskId: string;
  readonly turn: number;
  readonly maxTurns: number;
  readonly steps: readonly TaskStep[];
  readonly instructions: readonly string[];
  /** The shell prompt now (it shows the OS flavour and the current directory). */
  readonly prompt: string;
  readonly lastCommand: string | null;
  readonly output: string | null;
  /** The goal check, shown once the task is over. */
  readonly goals: readonly GoalReport[] | null;
  readonly done: boolean;
};

export function readTerminalView(view: Readonly<Record<string, unknown>>): TerminalView {
  const v = view as Partial<TerminalView>;
  if (
    v?.domain !== 'terminal' ||
    typeof v.taskId !== 'string' ||
    typeof v.prompt !== 'string' ||
    !Array.isArray(v.steps) ||
    typeof v.turn !== 'number'
  ) {
    throw new CodError('bad_input', 'not a Terminal view', 'terminal.view');
  }
  return v as TerminalView;
}
