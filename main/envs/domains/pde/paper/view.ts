/** The public view of a paper PDE task: what its text shows, as data. Never holds the hidden law. */
import { CodError } from '../../../../base/errors.ts';
import type { EvidenceMemory } from './prompts.ts';

export type PaperPdeView = {
  readonly domain: 'pde';
  readonly variant: 'paper';
  readonly taskId: string;
  /** The reference's task_position (1-based) and pack size. */
  readonly taskPosition: number;
  readonly packSize: number;
  /** Steps taken so far. */
  readonly step: number;
  readonly maxSteps: number;
  readonly pointBudget: number;
  readonly budgetRemaining: number;
  readonly dictionary: readonly string[];
  readonly minTerms: number;
  readonly maxTerms: number;
  /** Every dataset id of the pack, sorted. */
  readonly datasets: readonly string[];
  readonly sampledThisTask: boolean;
  readonly lastSampledMaxError: number | null;
  /** The latest action's feedback text (the next user turn's "Action feedback"). */
  readonly actionFeedback: string | null;
  /** This task's latest regression: its best equation and every scored candidate (all printed in its feedback). */
  readonly lastRegression: {
    readonly datasetId: string;
    readonly dictionary: readonly string[];
    readonly equation: string;
    readonly relativeMargin: number;
    readonly candidates: readonly {
      readonly equation: string;
      readonly support: readonly string[];
      readonly trainingMaxError: number;
    }[];
  } | null;
  readonly evidenceMemory: EvidenceMemory | null;
  /** The equation this task finalised, if it did. */
  readonly finalized: { readonly equation: string; readonly support: readonly string[] } | null;
  readonly done: boolean;
};

export function readPaperPdeView(view: Readonly<Record<string, unknown>>): PaperPdeView {
  const v = view as Partial<PaperPdeView>;
  if (
    v?.domain !== 'pde' ||
    v.variant !== 'paper' ||
    typeof v.taskId !== 'string' ||
    typeof v.step !== 'number' ||
    !Array.isArray(v.datasets) ||
    !Array.isArray(v.dictionary)
  ) {
    throw new CodError('bad_input', 'not a paper PDE Discovery view', 'pde.view');
  }
  return v as PaperPdeView;
}
