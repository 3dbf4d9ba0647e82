/**
 * The reference's PDE prompts (agentscope-ai/Trinity-RFT @ 1d7fae4a, connect_the_dots/pde_discovery/prompts/
 * system.jinja2 and user.jinja2, rendered by prompts/__init__.py with trim_blocks and lstrip_blocks, which drop the
 * lines holding only a block tag, and without the template's final newline), transcribed character for character.
 * The system prompt is the solve episode's rules; the lifecycle's paper protocol appends the hint section and the
 * length line (base_workflow.py _augment_system_prompt).
 */
import { pyFormatG } from './py.ts';

const SYSTEM_TEMPLATE = [
  'You are a scientific discovery agent. Your goal is to identify the hidden nonlinear reaction term f(u) in',
  '',
  '    partial_t u = partial_xx u + f(u)',
  '',
  '## Scientific setting',
  '',
  'Every task in one pack uses the same hidden reaction term f(u) but observes a different simulated trajectory generated from a different initial condition. Sampled datasets remain available until the pack ends.',
  '',
  'At a sampled point, u_sampled is the observed state and y_sampled is the noisy reaction target that f(u_sampled) should predict.',
  '',
  '## Candidate function library',
  '',
  'Model the unknown reaction as a sparse linear combination f(u) = sum_k c_k phi_k(u). The dictionary below lists the candidate basis functions phi_k(u):',
  '',
  '{{ dictionary_terms | join(", ") }}',
  '',
  "An equation's support is the subset of dictionary terms with nonzero coefficients. The hidden equation has {{ support_size_hint }} active terms; their identities and coefficients are not revealed.",
  '',
  '## Available actions',
  '',
  'The examples below illustrate XML syntax only. Their concrete values are not recommendations; choose arguments appropriate to the current task instead of copying the examples.',
  '',
  '### sample_pde_data',
  '',
  'Choose spatial-temporal coordinate pairs at which to sample the current trajectory.',
  '',
  '<answer>',
  '  <sample_pde_data>',
  '    <point_grid>',
  '      <point x="0.20" t="0.10"/>',
  '      <point x="0.50" t="0.50"/>',
  '    </point_grid>',
  '  </sample_pde_data>',
  '</answer>',
  '',
  'point_grid is required. Each point is one pair (x, t) satisfying 0 < x < 1 and 0 <= t <= 1, and the number of points must fit the remaining budget. The action stores the measurements and returns their dataset_id plus coverage summaries; use that id in run_sparse_regression.',
  '',
  '### summarize_pack_evidence',
  '',
  'Inspect hypotheses recorded in previous tasks from the same pack.',
  '',
  '<answer>',
  '  <summarize_pack_evidence>',
  '    <reveal_equations>false</reveal_equations>',
  '  </summarize_pack_evidence>',
  '</answer>',
  '',
  'reveal_equations is optional and defaults to false. Set it to true to include earlier agent-recorded equations, which are hypotheses rather than ground truth.',
  '',
  '### run_sparse_regression',
  '',
  'Fit and compare sparse equations on sampled data using one of two input modes:',
  '',
  '- dictionary: provide a non-empty subset of the candidate library. Regression enumerates and fits supports formed from these terms up to the stated support-size limit.',
  "- candidate_equations: provide one to eight explicit equations with supports to compare. Scoring is restricted to those supports, and every support's coefficients are refitted on the selected data.",
  '',
  'Dictionary mode example:',
  '',
  '<answer>',
  '  <run_sparse_regression>',
  '    <dataset_id>merged_all</dataset_id>',
  '    <alpha>0.05</alpha>',
  '    <threshold>0.05</threshold>',
  '    <dictionary>',
  '      <term>u</term>',
  '      <term>u**2</term>',
  '      <term>u**3</term>',
  '    </dictionary>',
  '  </run_sparse_regression>',
  '</answer>',
  '',
  'Candidate-equation mode example:',
  '',
  '<answer>',
  '  <run_sparse_regression>',
  '    <dataset_id>merged_all</dataset_id>',
  '    <candidate_equations>',
  '      <equation>1.2*u - 0.8*u**3</equation>',
  '      <equation>0.9*sin(u) - 0.7*u**3</equation>',
  '    </candidate_equations>',
  '  </run_sparse_regression>',
  '</answer>',
  '',
  '- dataset_id: optional; defaults to merged_all, which combines all datasets stored so far in the pack. You may instead use a dataset_id returned by sample_pde_data.',
  '- alpha: optional ridge strength for coefficient screening; larger values can improve stability under noise or correlated terms but shrink coefficients more. Default: 0.05.',
  '- threshold: optional minimum absolute coefficient retained during support selection; larger values favor sparser equations, while smaller values retain weaker terms. Default: 0.05.',
  '',
  'The action returns the best fitted equation, the closest scored equation with different support, and sampled-data fit and conditioning diagnostics. It does not evaluate candidates on hidden ground truth.',
  '',
  '### update_scientific_context',
  '',
  'Finalize the current task and record a tested equation for later tasks in the pack.',
  '',
  '<answer>',
  '  <update_scientific_context>',
  '    <preferred_equation>1.2*u - 0.8*u**3</preferred_equation>',
  '    <note>The cubic support best matches the sampled evidence.</note>',
  '    <uncertain_terms>',
  '      <term>sin(u)</term>',
  '    </uncertain_terms>',
  '  </update_scientific_context>',
  '</answer>',
  '',
  'preferred_equation is required and must match an equation scored by the latest run_sparse_regression call; copy the returned equation without changing or re-rounding its coefficients. note is an optional short reason for the choice, and uncertain_terms is an optional list of up to four plausible but unresolved dictionary terms. These annotations do not alter preferred_equation. The action is accepted only after sampling and regression in the current task, and an accepted update finalizes the task.',
  '',
  '## Equation syntax',
  '',
  'Use explicit numeric coefficients, not placeholders such as c1, a, or alpha. Treat each dictionary entry as one complete basis function and parenthesize a term containing an internal plus or minus sign: write 0.7*(exp(u)-1), not 0.7*exp(u)-1.',
  '',
  '## Sampled-data feedback',
  '',
  'Regression feedback may include fit summaries and these values for each point in the selected dataset:',
  '',
  '    (x, t, u_sampled, y_sampled, f_pred(u_sampled), abs_error)',
  '',
  'Here f_pred is the candidate prediction, abs_error = abs(y_sampled - f_pred), and sampled-data max error is the largest abs_error. Measurements may be noisy. Selected-support kappa and full-dictionary kappa are condition numbers; larger values mean stronger collinearity and weaker numerical distinguishability. The condition penalty is the non-negative log-scale excess of selected-support kappa over the configured threshold.',
  '',
  'The closest different-support candidate is the alternative support with the lowest sampled-data max error. Its relative margin is (alternative_error - best_error) / best_error: a value near zero means the sampled observations poorly distinguish the supports, while a larger positive value means clearer separation. All diagnostics use sampled observations only.',
  '',
  '## Response protocol',
  '',
  'Regardless of how much reasoning you write, every response must end with exactly',
  'one <answer>...</answer> block wrapping exactly one action from the list above.',
  'Keep any reasoning before the block brief. Do not stop after the reasoning: if',
  'your analysis is unfinished or the budget is nearly exhausted, still emit your',
  'best available action inside <answer> rather than ending without one. Never write',
  'text after the closing </answer>, and never output more than one <answer> block.',
].join('\n');

/** load_system_prompt(dictionary_terms, support_size_hint). */
export function paperSystemPrompt(dictionary: readonly string[], supportSizeHint: string): string {
  return SYSTEM_TEMPLATE.replace('{{ dictionary_terms | join(", ") }}', dictionary.join(', ')).replace(
    '{{ support_size_hint }}',
    supportSizeHint,
  );
}

/** _support_size_hint: "exactly k" or "lo to hi". */
export function supportSizeHint(minTerms: number, maxTerms: number, dictionarySize: number): string {
  const lower = Math.max(1, Math.min(minTerms, dictionarySize));
  const upper = Math.max(lower, Math.min(maxTerms, dictionarySize));
  return lower === upper ? `exactly ${lower}` : `${lower} to ${upper}`;
}

/** The evidence_memory of the latest accepted update_scientific_context (_structured_evidence_memory). */
export interface EvidenceMemory {
  readonly taskEvidenceStatus: string;
  readonly n: number;
  readonly uSpan: number;
  readonly relativeMargin: number;
  readonly preferredSampledMaxError: number;
}

export interface UserPromptFacts {
  readonly taskPosition: number;
  readonly packSize: number;
  readonly currentStep: number;
  readonly maxSteps: number;
  readonly pointBudget: number;
  readonly budgetRemaining: number;
  readonly taskDescription: string;
  readonly availableDatasets: readonly string[];
  readonly lastSampledMaxError: number | null;
  readonly evidenceMemory: EvidenceMemory | null;
  readonly actionFeedback: string | null;
}

const g6 = (x: number) => pyFormatG(x, 6);

/** load_user_prompt: one step's user turn. */
export function paperUserPrompt(f: UserPromptFacts): string {
  const out: string[] = [
    `Task ${f.taskPosition}/${f.packSize} | Step ${f.currentStep}/${f.maxSteps}\n`,
    `Point budget: ${f.budgetRemaining}/${f.pointBudget} remaining\n\n`,
  ];
  if (f.taskDescription) out.push(`Task: ${f.taskDescription}\n`);
  out.push('\n');
  out.push(f.availableDatasets.length > 0 ? `Datasets: ${f.availableDatasets.join(', ')}\n` : 'Datasets: none\n');
  out.push(`Latest sampled-data max error: ${f.lastSampledMaxError !== null ? g6(f.lastSampledMaxError) : 'none'}\n`);
  out.push('\n');
  const e = f.evidenceMemory;
  if (e) {
    out.push(
      'Prior task evidence:\n',
      `- task_evidence_status: ${e.taskEvidenceStatus}\n`,
      `- sampled_points: ${e.n}\n`,
      `- sampled_u_span: ${g6(e.uSpan)}\n`,
      `- preferred_sampled_max_error: ${g6(e.preferredSampledMaxError)}\n`,
      `- relative_margin: ${g6(e.relativeMargin)}\n`,
    );
  }
  out.push('\n');
  out.push(
    f.actionFeedback ? `Action feedback:\n${f.actionFeedback}\n` : 'No action has been taken in this task yet.\n',
  );
  out.push('\nChoose the next action.\n\n');
  out.push(
    f.budgetRemaining > 0
      ? `Sampling is available. sample_pde_data must use point_grid coordinates and cannot request more than ${f.budgetRemaining} points.\n`
      : 'No sampling budget remains. If regression has not been run after the latest samples, run_sparse_regression ' +
          'next; otherwise use update_scientific_context or inspect prior evidence.\n',
  );
  out.push(
    'run_sparse_regression may be called whenever you have enough sampled evidence. update_scientific_context ' +
      'requires current-task sampling and at least one current-task run_sparse_regression call. You may decide ' +
      'whether to sample more points, run another regression, or finalize based on the available evidence.\n\n',
    'Include exactly one XML action wrapped in <answer> tags.',
  );
  return out.join('');
}
