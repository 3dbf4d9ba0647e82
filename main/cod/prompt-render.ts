/** Rendering of the method's prompts from a template set (see prompts.ts for the structure and its reasons). */
import type { ChatMessage } from './policy.ts';
import { hasHints } from './hints.ts';
import type { PromptTemplates } from './prompts.ts';
import { fillTemplate } from './template.ts';

/** One turn of a finished solve episode, as the update prompt shows it. */
export interface TrajectoryStep {
  readonly observation: string;
  /** The model's response verbatim. */
  readonly response: string;
  /** The parsed action, when the response had a valid answer block. */
  readonly answer?: string;
}

export function renderSolveSystem(t: PromptTemplates, rules: string, hints: string, maxTokens?: number): string {
  const lengthInstruction =
    maxTokens !== undefined && maxTokens > 0 ? fillTemplate(t.lengthInstruction, { maxTokens: String(maxTokens) }) : '';
  return fillTemplate(t.solveSystem, { rules, hints, lengthInstruction });
}

export function renderSteps(t: PromptTemplates, steps: readonly TrajectoryStep[]): string {
  return steps
    .map((s, i) =>
      fillTemplate(t.trajectoryStep, {
        k: String(i + 1),
        observation: s.observation,
        action:
          t.trajectoryAction === 'answer' && s.answer !== undefined
            ? s.answer
            : t.trajectoryAction === 'verbatim'
              ? s.response
              : s.response.trim(),
      }),
    )
    .join(t.stepSeparator);
}

/** `Reward: x.xxx` (cod-method.md §3). */
export function formatReward(r: number): string {
  return r.toFixed(3);
}

export interface UpdatePromptInput {
  /** z_j, the context the summarised task was solved with. */
  readonly previousHints: string;
  /** The solve episode's rules without the hint section. */
  readonly rules: string;
  readonly steps: readonly TrajectoryStep[];
  readonly reward: number;
  readonly feedback: string;
  /**
   * Show z as it is, `Hints: null` and `Hints: no hint available.` included (the paper protocol); otherwise a z
   * without content shows as the template's `noPreviousHint`.
   */
  readonly previousHintsVerbatim?: boolean;
  /** Budget of the soft length line appended to the update system prompt (templates that have one). */
  readonly maxTokens?: number;
  /** The whole trajectory as the environment wrote it (replaces rules + steps). */
  readonly trajectoryText?: string;
  /** Appended to the rendered trajectory, after a blank line. */
  readonly trajectorySuffix?: string;
}

export function renderUpdateMessages(t: PromptTemplates, u: UpdatePromptInput): ChatMessage[] {
  const shown = u.previousHintsVerbatim ? u.previousHints !== '' : hasHints(u.previousHints);
  const user = fillTemplate(t.updateUser, {
    previousHints: shown ? u.previousHints : t.noPreviousHint,
    trajectory:
      u.trajectoryText ??
      fillTemplate(t.trajectory, { rules: u.rules, steps: renderSteps(t, u.steps) }) +
        (u.trajectorySuffix !== undefined ? `\n\n${u.trajectorySuffix}` : ''),
    reward: formatReward(u.reward),
    feedback: u.feedback,
  });
  const length =
    u.maxTokens !== undefined && u.maxTokens > 0
      ? fillTemplate(t.updateLengthInstruction, { maxTokens: String(u.maxTokens) })
      : '';
  return [
    { role: 'system', content: t.updateSystem + length },
    { role: 'user', content: user },
  ];
}

export function renderLogEntry(
  t: PromptTemplates,
  task: number,
  steps: readonly TrajectoryStep[],
  reward: number,
  feedback: string,
): string {
  return fillTemplate(t.logEntry, {
    task: String(task + 1),
    steps: renderSteps(t, steps),
    reward: formatReward(reward),
    feedback,
  });
}
