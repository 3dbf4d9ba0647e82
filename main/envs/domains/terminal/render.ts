/**
 * Text of the Terminal task in the two renderings: `chat` is full prose, `compact` is terse for the small CPU
 * model. Both show the same task lines, command output, prompt and goal check, and use the same answer syntax.
 */
import type { Rendering } from '../../sdk.ts';
import type { TerminalView } from './view.ts';

export function rulesText(rendering: Rendering, maxTurns: number): string {
  if (rendering === 'compact') {
    return [
      'Simulated terminal; OS not told (Linux, macOS or Windows: see the prompt). One command per turn: <answer>CMD</answer>.',
      'No pipes, &&, ||, ;, $(...) or &; > and >> work. Prompts (overwrite? Y/N) answer No.',
      'Remote host remote_user@remote_host: copy tools and port vary by machine; ssh remote_user@remote_host CMD runs one command there.',
      'Task names files, not where they are; folders backups, shared, releases exist somewhere. If a file exists in several places, the task means the most recently modified one. exit ends the task.',
      `Reward = share of goals met at the end (>0.5 = success); all met -> 1.0 and the task ends. Max ${maxTurns} turns.`,
      'Empty, multi-line or badly quoted command: format error, reward 0. rm -r of /, a drive or home: illegal, reward 0.',
    ].join('\n');
  }
  return [
    'You are working in a terminal on a computer whose operating system (Linux, macOS or Windows) you are not told;',
    'the prompt and the outputs of your commands will show it. The shell is simulated (nothing runs for real), but its',
    'commands, paths and error messages behave like those of that system.',
    '',
    '- Each answer is ONE command line between answer tags, for example <answer>ls</answer>. You then see its output',
    '  and the new prompt.',
    '- Pipes (|), chaining (&&, ||, ;), command substitution and background jobs are not available; output',
    '  redirection with > and >> is.',
    '- Nobody can answer interactive prompts: a command that asks (e.g. "Overwrite? (Yes/No)") gets the answer No.',
    '- A remote host, remote_user@remote_host, is reachable over SSH. Which copy tools exist and which port its SSH',
    '  server uses depend on this machine. `ssh remote_user@remote_host <command>` runs one command there.',
    '- The task names files but not where they are. The named folders "backups", "shared" and "releases" exist',
    '  somewhere on this machine. If a named file exists in several places, the task means the most recently',
    '  modified one.',
    '- `exit` ends the task early.',
    '',
    'Scoring: when the task ends, the final state of both machines is checked against the task (one goal per step).',
    'The reward is the fraction of goals met, a success when it is more than half; as soon as every goal is met the',
    `task ends with reward 1.0. You have at most ${maxTurns} turns. An empty answer, several lines or unbalanced quotes is a`,
    'format error (reward 0, game over); recursively deleting the root, a drive or your home folder is an illegal',
    'action (reward 0, game over).',
  ].join('\n');
}

export function goalText(rendering: Rendering, view: TerminalView): string {
  if (!view.goals) return '';
  const met = view.goals.filter((g) => g.met).length;
  const total = view.goals.length;
  const lines = view.goals.map((g) => `${g.met ? '[met]' : '[not met]'} ${g.description}`);
  const head =
    rendering === 'compact'
      ? `Goal check: ${met}/${total} met, reward ${(met / total).toFixed(3)}`
      : `Goal check: ${met} of ${total} goals met (reward ${(met / total).toFixed(3)}).`;
  return [head, ...lines].join('\n');
}

export function observationText(rendering: Rendering, view: TerminalView): string {
  const lines: string[] = [];
  if (view.lastCommand === null) {
    lines.push(rendering === 'compact' ? 'TASK:' : 'Task:');
    view.instructions.forEach((t, i) => lines.push(`${i + 1}. ${t}`));
    lines.push('');
  } else {
    lines.push(`${rendering === 'compact' ? '' : 'Command: '}${view.lastCommand}`);
    const out = view.output ?? '';
    lines.push(out === '' ? (rendering === 'compact' ? '(no output)' : '(no output)') : out);
  }
  if (view.goals) lines.push(goalText(rendering, view));
  else
    lines.push(
      rendering === 'compact'
        ? `[turn ${view.turn}/${view.maxTurns}] ${view.prompt}`
        : `Turn ${view.turn} of ${view.maxTurns}.\n${view.prompt}`,
    );
  return lines.join('\n');
}
