/** The public view of a PDE Discovery task: what the text shows, as data. Never holds the hidden law. */
import { CodError } from '../../../base/errors.ts';
import type { Scope } from './actions.ts';

export type Sample = { readonly x: number; readonly t: number; readonly u: number; readonly r: number };
export type EvidencePoint = { readonly task: number; readonly u: number; readonly r: number };

export type RegressionReport = {
  readonly scope: Scope;
  readonly terms: readonly string[];
  readonly threshold: number;
  readonly maxTerms: number | null;
  readonly samples: number;
  /** Selected terms and their coefficients (rounded as shown). */
  readonly coefficients: readonly { readonly term: string; readonly value: number }[];
  readonly rms: number;
  /** null = singular (shown as "inf"). */
  readonly candidateCondition: number | null;
  readonly supportCondition: number | null;
};

export type LastAction =
  | { readonly kind: 'start' }
  | { readonly kind: 'sample'; readonly samples: readonly Sample[] }
  | { readonly kind: 'evidence'; readonly points: readonly EvidencePoint[] }
  | { readonly kind: 'regress'; readonly report: RegressionReport }
  | { readonly kind: 'regress_error'; readonly error: string };

export type CommitResult = {
  readonly law: string;
  readonly correct: readonly string[];
  readonly extra: readonly string[];
  readonly missing: number;
  readonly error: number;
  readonly reward: number;
};

export type PdeView = {
  readonly domain: 'pde';
  readonly taskId: string;
  readonly turn: number;
  readonly maxTurns: number;
  readonly diffusion: number;
  readonly horizon: number;
  readonly dx: number;
  readonly dt: number;
  readonly dictionary: readonly string[];
  readonly minTerms: number;
  readonly maxTerms: number;
  readonly noise: number;
  readonly budget: number;
  readonly budgetLeft: number;
  /** u(x, 0) at x = 0, 0.1, …, 1. */
  readonly initialProfile: readonly { readonly x: number; readonly u: number }[];
  /** This task's samples so far. */
  readonly samples: readonly Sample[];
  readonly regressed: boolean;
  readonly last: LastAction;
  readonly result: CommitResult | null;
  readonly done: boolean;
};

export function readPdeView(view: Readonly<Record<string, unknown>>): PdeView {
  const v = view as Partial<PdeView>;
  if (
    v?.domain !== 'pde' ||
    typeof v.taskId !== 'string' ||
    typeof v.turn !== 'number' ||
    !Array.isArray(v.samples) ||
    !Array.isArray(v.dictionary) ||
    typeof v.last !== 'object'
  ) {
    throw new CodError('bad_input', 'not a PDE Discovery view', 'pde.view');
  }
  return v as PdeView;
}
