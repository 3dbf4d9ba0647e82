/**
 * The prompt templates of the method (cod-method.md §2–3), as data: a typed object of template strings with
 * named `{slots}` that a curriculum may override field by field. Two defaults: `chat` (full natural language, for
 * real LLMs) and `compact` (same structure, terse, for the small built-in model).
 */
import { CodError } from '../base/errors.ts';
import type { Rendering } from '../envs/sdk.ts';
import { HINTS_END, HINTS_START, JOB_HEADER, TRAJECTORY_HEADER } from './hints.ts';
import { PAPER_CHAT_PROMPTS } from './paper-prompts.ts';
import { checkTemplate } from './template.ts';

/**
 * Which protocol a lifecycle follows: the workbench's own ('workbench', every curriculum written before the paper
 * presets) or the reference implementation's ('paper': its prompt text, its hint parsing, no stop strings, a
 * length line in both prompts). See docs/fidelity.md.
 */
export const PROTOCOLS = ['workbench', 'paper'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export const TRAJECTORY_ACTIONS = ['response', 'verbatim', 'answer'] as const;
export type TrajectoryAction = (typeof TRAJECTORY_ACTIONS)[number];

export interface PromptTemplates {
  /** Solve system prompt. Slots: {rules} (task rules), {hints} (z), {lengthInstruction} ('' when off). */
  readonly solveSystem: string;
  /** Optional soft length instruction appended to the solve system prompt. Slot: {maxTokens}. */
  readonly lengthInstruction: string;
  /** Update-context system prompt. No slots; must show both hint delimiters literally. */
  readonly updateSystem: string;
  /**
   * Soft length instruction appended to the update system prompt when a length budget is set; '' = none (the
   * workbench's own templates). Slot: {maxTokens}.
   */
  readonly updateLengthInstruction: string;
  /** Update-context user prompt. Slots in this order: {previousHints}, {trajectory}, {reward}, {feedback}. */
  readonly updateUser: string;
  /** Stands in for {previousHints} when there is no previous hint (z_0, or an unparsable update). */
  readonly noPreviousHint: string;
  /** The trajectory block: the solve rules WITHOUT hints, then the steps. Slots: {rules}, {steps}. */
  readonly trajectory: string;
  /** One turn of the trajectory. Slots: {k} (1-based), {observation}, {action}. */
  readonly trajectoryStep: string;
  /** Joins trajectory steps. */
  readonly stepSeparator: string;
  /**
   * What a step's Action shows: the whole response (trimmed), the response byte for byte ('verbatim', the
   * reference's keep_all), or only the parsed answer (the compact rendering saves tokens that way). A response
   * without a valid answer is always shown whole.
   */
  readonly trajectoryAction: TrajectoryAction;
  /** One entry of the append-only log baseline (memory 'append_log'). Slots: {task}, {steps}, {reward}, {feedback}. */
  readonly logEntry: string;
}

const CHAT: PromptTemplates = {
  solveSystem: [
    '{rules}',
    '',
    '## Hints from earlier tasks',
    'You are solving a sequence of related tasks in the same environment. The hints below were written after ' +
      'earlier tasks. They might help, but they may be incomplete or wrong: combine them with the new evidence you ' +
      'observe in this task.',
    '',
    '{hints}{lengthInstruction}',
  ].join('\n'),
  lengthInstruction: '\n\nKeep each of your responses under {maxTokens} tokens.',
  updateLengthInstruction: '',
  updateSystem: [
    'You are a helpful assistant and a cross-task learning agent. You solve a sequence of different but related ' +
      'tasks in the same environment, and you carry informative hints from task to task so that later tasks go better.',
    '',
    '## Your job in this session',
    'In this session you only update the hints. The user gives you (1) the previous hints that guided task solving ' +
      'and (2) a new task-solving trajectory. Write updated hints that will help solve future tasks in this environment:',
    '- keep what is still useful in the previous hints;',
    '- drop what the new trajectory shows to be wrong;',
    '- add the new lessons this trajectory teaches.',
    '',
    '## Principles',
    '- Useful hints are mainly (1) facts about the environment that were hidden at first and have now been revealed, ' +
      'and (2) task-solving techniques whose value has been shown.',
    '- The environment may or may not be stationary, and how its tasks relate is unknown at first. If you are unsure ' +
      'whether a hint is correct or useful, you may keep it but say briefly that it is uncertain.',
    '- Be concise and specific: no generic advice, no repetition of the task rules. Write hints that transfer to ' +
      'other tasks, not details that only matter for this one task.',
    '- Use Markdown bullet points. If you need headings, use level 3 (###) at most, never # or ##.',
    '',
    '## Response format',
    'First reason briefly about what to keep, drop and add. Then give the updated hints between these two lines, ' +
      'and write nothing after the second line:',
    HINTS_START,
    '(your updated hints)',
    HINTS_END,
  ].join('\n'),
  updateUser: [
    '--- Previous hints ---',
    '{previousHints}',
    '',
    TRAJECTORY_HEADER,
    '{trajectory}',
    '',
    'Reward: {reward}',
    '',
    'Environment feedback: {feedback}',
    '',
    JOB_HEADER,
    'Think briefly, then return your updated hints in the format the system prompt asks for.',
  ].join('\n'),
  noPreviousHint: '(No previous hint available)',
  trajectory: '{rules}\n\n{steps}',
  trajectoryStep: 'Step {k}:\nObservation: {observation}\nAction: {action}',
  stepSeparator: '\n\n',
  trajectoryAction: 'response',
  logEntry: '### Task {task}\n{steps}\nReward: {reward}\nEnvironment feedback: {feedback}',
};

const COMPACT: PromptTemplates = {
  solveSystem: '{rules}\nNotes (may be wrong; check against evidence):\n{hints}{lengthInstruction}',
  lengthInstruction: '\nReply in under {maxTokens} tokens.',
  updateLengthInstruction: '',
  updateSystem: [
    'Update your notes on this environment for later tasks. Keep useful facts, drop wrong ones, add new lessons: ' +
      'revealed hidden facts, tactics that worked. It may be non-stationary: flag uncertain facts. ' +
      'Concise, specific, transferable. Markdown bullets, headings ### at most.',
    'Reply: brief reasoning, then',
    HINTS_START,
    '(notes)',
    HINTS_END,
    'Nothing after.',
  ].join('\n'),
  updateUser: [
    '--- Previous hints ---',
    '{previousHints}',
    TRAJECTORY_HEADER,
    '{trajectory}',
    'Reward: {reward}',
    'Environment feedback: {feedback}',
    JOB_HEADER,
    'Write updated hints.',
  ].join('\n'),
  noPreviousHint: 'none',
  trajectory: '{rules}\n{steps}',
  trajectoryStep: 'Step {k}:\nObservation: {observation}\nAction: {action}',
  stepSeparator: '\n',
  trajectoryAction: 'answer',
  logEntry: 'Task {task}:\n{steps}\nReward: {reward}\nEnvironment feedback: {feedback}',
};

export const DEFAULT_PROMPTS: Readonly<Record<Rendering, PromptTemplates>> = { chat: CHAT, compact: COMPACT };

/**
 * The base templates of a protocol and rendering. The paper's text exists for chat only (the reference has no
 * compact rendering); paper + compact keeps the workbench's compact text under the paper's rules.
 */
export const PROTOCOL_PROMPTS: Readonly<Record<Protocol, Readonly<Record<Rendering, PromptTemplates>>>> = {
  workbench: DEFAULT_PROMPTS,
  paper: { chat: PAPER_CHAT_PROMPTS, compact: COMPACT },
};

const STRING_FIELDS = {
  solveSystem: { allowed: ['rules', 'hints', 'lengthInstruction'], required: ['rules', 'hints'] },
  lengthInstruction: { allowed: ['maxTokens'], required: ['maxTokens'] },
  updateSystem: { allowed: [], required: [] },
  updateLengthInstruction: { allowed: ['maxTokens'], required: [] },
  updateUser: {
    allowed: ['previousHints', 'trajectory', 'reward', 'feedback'],
    required: ['previousHints', 'trajectory', 'reward', 'feedback'],
  },
  noPreviousHint: { allowed: [], required: [] },
  trajectory: { allowed: ['rules', 'steps'], required: ['rules', 'steps'] },
  trajectoryStep: { allowed: ['k', 'observation', 'action'], required: ['k', 'observation', 'action'] },
  stepSeparator: { allowed: [], required: [] },
  logEntry: { allowed: ['task', 'steps', 'reward', 'feedback'], required: ['steps', 'reward', 'feedback'] },
} as const satisfies Record<Exclude<keyof PromptTemplates, 'trajectoryAction'>, unknown>;

/** Check a full template set; throws CodError('bad_config') naming the faulty field. */
export function checkPrompts(t: PromptTemplates): PromptTemplates {
  for (const [name, c] of Object.entries(STRING_FIELDS)) {
    checkTemplate(name, t[name as keyof typeof STRING_FIELDS], c.allowed, c.required);
  }
  if (!TRAJECTORY_ACTIONS.includes(t.trajectoryAction))
    throw new CodError(
      'bad_config',
      `must be one of ${TRAJECTORY_ACTIONS.map((a) => `'${a}'`).join(', ')}`,
      'prompts.trajectoryAction',
    );
  const a = t.updateSystem.indexOf(HINTS_START);
  const b = t.updateSystem.indexOf(HINTS_END);
  if (a < 0 || b < a)
    throw new CodError(
      'bad_config',
      `must show the delimiters '${HINTS_START}' and '${HINTS_END}', in that order, so the model can follow them`,
      'prompts.updateSystem',
    );
  return t;
}

/**
 * The templates a lifecycle uses: the rendering's defaults with a curriculum's overrides on top. `overrides` is
 * untrusted config (parsed YAML); unknown keys and wrong types are a CodError('bad_config').
 */
export function resolvePrompts(
  rendering: Rendering,
  overrides?: unknown,
  protocol: Protocol = 'workbench',
): PromptTemplates {
  const byRendering = PROTOCOL_PROMPTS[protocol];
  if (!byRendering)
    throw new CodError('bad_config', `unknown protocol '${String(protocol)}' (${PROTOCOLS.join(', ')})`, 'protocol');
  const base = byRendering[rendering];
  if (!base) throw new CodError('bad_config', `unknown rendering '${String(rendering)}' (chat, compact)`, 'rendering');
  if (overrides === undefined || overrides === null) return base;
  if (typeof overrides !== 'object' || Array.isArray(overrides))
    throw new CodError('bad_config', 'must be a mapping of template names to strings', 'prompts');
  const merged: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    if (!(k in base))
      throw new CodError('bad_config', `unknown template '${k}' (known: ${Object.keys(base).join(', ')})`, 'prompts');
    merged[k] = v;
  }
  return checkPrompts(merged as unknown as PromptTemplates);
}
