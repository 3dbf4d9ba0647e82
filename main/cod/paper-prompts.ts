/**
 * The prompt text of the reference implementation (agentscope-ai/Trinity-RFT, `trinity/common/workflows/
 * connect_the_dots/`), transcribed character for character as templates, for the `paper` protocol's chat
 * rendering. Sources (file @ commit, function):
 * - solve hint section and length line: base_workflow.py @ 1d7fae4a, AsyncCoDMultiStepWorkflow._augment_system_prompt
 * - trajectory ("System:" + "Step k:" blocks, responses kept whole under keep_all): base_workflow.py @ 1d7fae4a,
 *   _build_trajectory / _strip_system_prompt / _compress_assistant_response
 * - update system and user prompts: cod_utils.py @ 139d1c43, CoDPrompts.sys_prompt_gen_hint_iteratively /
 *   user_prompt_gen_hint_iteratively (hint_example false, as in every exp_plan_final config)
 * - update length line: update_context_workflow.py @ 1d7fae4a, AsyncCoDUpdateContextWorkflow._append_token_limit
 * - PDE's update user prompt (no `Reward:` line, a protocol reminder appended): pde_discovery/
 *   update_context_workflow.py @ 139d1c43, PDEUpdateContextWorkflow.build_messages
 */
import type { PromptTemplates } from './prompts.ts';

const UPDATE_SYSTEM =
  'You are a helpful assistant and a cross-task learning agent. Your responsibility is to solve **a sequence of ' +
  'different-but-related tasks** within the same environment, while **transferring informative hints across tasks** ' +
  'that can help achieve better task-solving performance.\n' +
  // The reference's triple-quoted string carries this line of eight spaces.
  '        \n' +
  '## Problem setting\n' +
  '\n' +
  '**In the current session, your job is to update the hints.**\n' +
  '\n' +
  'To be concrete, the user provides:\n' +
  '1. Previous hints that were used to guide task solving;\n' +
  '2. A new task-solving trajectory.\n' +
  '\n' +
  'Based on this information, you need to generate updated hints that can assist in solving future tasks within ' +
  'the same environment more effectively, by\n' +
  '- Preserving useful guidance and information from the previous hints, while discarding incorrect ones;\n' +
  '- Incorporating new lessons and information that can be learned from the new trajectory.\n' +
  '\n' +
  '## General principles\n' +
  '\n' +
  '- You are in an environment that might be stationary or non-stationary, and relation between tasks in this ' +
  'environment is initially unknown. One general principle is thus to generate **informative** hints that can serve ' +
  'as useful priors when solving a new task. If you are uncertain about the correctness or usefulness of certain ' +
  'hints, feel free to include them in your response and briefly mention uncertainty.\n' +
  '- There are at least two major categories of useful hints: (1) revealed information / clues about the ' +
  'environment that were initially unknown; (2) task-solving techniques with validated efficacy. With that said, ' +
  'your updated hints can certainly go beyond these two categories.\n' +
  '\n' +
  '## Response format\n' +
  '\n' +
  'First provide a brief thinking process that evaluates the previous hints and the\n' +
  'new trajectory. After that reasoning, finish your response with exactly this\n' +
  'hint block:\n' +
  '\n' +
  '--- Start of updated hints ---\n' +
  '- Your concise, transferable hints go here.\n' +
  '--- End of updated hints ---\n' +
  '\n' +
  'The two delimiter lines are literal protocol tokens. Copy both exactly,\n' +
  'including capitalization, spaces, and hyphens.\n' +
  '\n' +
  'Other requirements:\n' +
  '- Keep your thinking process concise. Avoid overthinking.\n' +
  '- Put the thinking process before the start delimiter, never inside the hint block.\n' +
  '- Do not place any text after the end delimiter.\n' +
  '- Keep your updated hints concise if possible, containing the most critical and helpful information. Avoid ' +
  'generic and uninformative statements. Avoid repeating the system prompt within the task-solving trajectory.\n' +
  '- Make sure that your updated hints can be potentially helpful for other related tasks, rather than specific to ' +
  'the task in the provided trajectory.\n' +
  '- Use standard Markdown format for your updated hints. Simpler structures (e.g., bullet points) are preferred. ' +
  'If you do need to use sections, you should start from the third level "###", while avoiding "#" and "##".\n';

const JOB =
  '--- Your job ---\n\nNow, please think through it and return your updated hints based on the above information, ' +
  'following the requirements in the system prompt.\n';

/** The previous-hints section is printed verbatim (z_0 as `Hints: null`): the reference's z is never empty. */
const UPDATE_USER =
  '--- Previous hints ---\n\n{previousHints}\n\n\n--- A new task-solving trajectory ---\n\n{trajectory}\n\n' +
  'Reward: {reward}\n\nEnvironment feedback: {feedback}\n\n' +
  JOB;

/**
 * PDE: the `Reward:` line cut out by rpartition, which leaves three newlines before the feedback, and the protocol
 * reminder appended after the job line.
 */
export const PAPER_PDE_UPDATE_USER =
  '--- Previous hints ---\n\n{previousHints}\n\n\n--- A new task-solving trajectory ---\n\n{trajectory}\n\n\n' +
  'Environment feedback: {feedback}\n\n' +
  JOB +
  '\n\nProtocol reminder: after your brief reasoning, end with exactly this block:\n' +
  '--- Start of updated hints ---\n' +
  '- Your concise, transferable hints go here.\n' +
  '--- End of updated hints ---\n' +
  'Do not shorten the opening delimiter to "--- Updated hints ---", omit either delimiter, or write anything after ' +
  'the end delimiter.\n';

export const PAPER_CHAT_PROMPTS: PromptTemplates = {
  solveSystem:
    '{rules}\n\n## Hints that might help\nBelow are some hints that might be helpful, but there is no guarantee that ' +
    'they must be correct or applicable to the current task. You might leverage them as prior knowledge, while ' +
    'incorporating new information from your own experience in interacting with the environment.\n\n' +
    '{hints}{lengthInstruction}',
  lengthInstruction:
    '\n\n## Response length limit\nPlease limit your response (including your thinking process) to {maxTokens} tokens.',
  updateSystem: UPDATE_SYSTEM,
  updateLengthInstruction: '\n\nPlease limit your response to {maxTokens} tokens.',
  updateUser: UPDATE_USER,
  // Shown only if z were empty, which the paper protocol never lets happen (cod_utils.py, the else branch).
  noPreviousHint: '(No previous hint available)',
  trajectory: 'System:\n{rules}\n\n{steps}',
  trajectoryStep: 'Step {k}:\nObservation: {observation}\nAction: {action}',
  stepSeparator: '\n\n',
  trajectoryAction: 'verbatim',
  // The reference has no append-only log baseline; the workbench's chat entry serves.
  logEntry: '### Task {task}\n{steps}\nReward: {reward}\nEnvironment feedback: {feedback}',
};
