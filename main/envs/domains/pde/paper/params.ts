/**
 * The paper presets' settings, from the reference's configs (agentscope-ai/Trinity-RFT, examples/research_cod/
 * exp_plan_final/): `paper` is training (train/pde_discovery_cod_600steps_hard.yaml @ 139d1c43: task_pack_size 4,
 * max_steps 6, point_budget 6, 1-2 terms, ground_truth_family physical_full_train.json, pde_state_abs_limit 3.0,
 * mode_count_range [1, 2], noise_level 0.002, kappa_threshold 100); `paper-hard` is the benchmark
 * (bench/eval_source_checkpoints_all_domains.yaml @ 1d7fae4a: eval_task_pack_size 8, 1-3 terms,
 * physical_full_eval_4000.json, otherwise the same; its data command, in the config's header, gives
 * `--eval_pack_size 8 --eval_template_count 25`, and get_pde_discovery_data.py @ 139d1c43,
 * build_stratified_eval_template_assignments, assigns eval pack k template k mod 25). Defaults of workflow.py @ 139d1c43 (reset): pde_grid_size 257,
 * pde_time_steps 2001, blind_submission_penalty 100.0; the task description is the row text of
 * examples/research_cod/get_pde_discovery_data.py @ 139d1c43.
 */
import type { LawFamily } from './families.ts';
import type { InitialShape } from './numeric.ts';

export interface PaperPdeParams {
  readonly family: LawFamily;
  readonly minTerms: number;
  readonly maxTerms: number;
  readonly maxSteps: number;
  readonly pointBudget: number;
  readonly noiseLevel: number;
  readonly kappaThreshold: number;
  readonly stateAbsLimit: number;
  readonly initialShape: InitialShape;
  readonly gridSize: number;
  readonly timeSteps: number;
  readonly blindPenalty: number;
  /** The pack size (trajectory count) when the lifecycle does not say: the config's pack size. */
  readonly defaultPackSize: number;
  /**
   * The bench's stratified templates: pack k of a suite gets eligible template k mod this count (`--eval_template_count`
   * of the data command). Absent (training): a template drawn uniformly per pack.
   */
  readonly evalTemplateCount?: number;
  readonly taskDescription: string;
}

const TASK_DESCRIPTION =
  'Discover the nonlinear reaction term f(u) in partial_t u = partial_xx u + f(u) using active sampling, sparse ' +
  'regression, and scientific context.';

const BASE = {
  maxSteps: 6,
  pointBudget: 6,
  noiseLevel: 0.002,
  kappaThreshold: 100.0,
  stateAbsLimit: 3.0,
  initialShape: { modeCountRange: [1, 2] },
  gridSize: 257,
  timeSteps: 2001,
  blindPenalty: 100.0,
  taskDescription: TASK_DESCRIPTION,
} as const;

export const PAPER_PDE_PRESETS: Readonly<Record<'paper' | 'paper-hard', PaperPdeParams>> = {
  paper: { ...BASE, family: 'physical_full_train', minTerms: 1, maxTerms: 2, defaultPackSize: 4 },
  'paper-hard': {
    ...BASE,
    family: 'physical_full_eval_4000',
    minTerms: 1,
    maxTerms: 3,
    defaultPackSize: 8,
    evalTemplateCount: 25,
  },
};

export function isPaperPreset(preset: string): preset is 'paper' | 'paper-hard' {
  return preset === 'paper' || preset === 'paper-hard';
}
