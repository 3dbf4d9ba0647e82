/**
 * The reference's hidden-law template families (agentscope-ai/Trinity-RFT, connect_the_dots/pde_discovery/
 * ground_truth_families/): `physical_full_train.json` @ 139d1c43 (training: ground_truth_family of
 * exp_plan_final/train/pde_discovery_cod_600steps_hard.yaml) and `physical_full_eval_4000.json` @ 139d1c43 (the
 * benchmark: bench/eval_source_checkpoints_all_domains.yaml @ 1d7fae4a). Each template is written "±term ±term", its
 * terms in the file's order and each sign as the file gives it (load_hidden_gt_templates maps every sign to ±1).
 */
import { isPaperTerm } from './terms.ts';

export interface LawTemplate {
  readonly terms: readonly string[];
  /** +1 or -1 per term. */
  readonly signs: ReadonlyMap<string, number>;
}

const PHYSICAL_FULL_TRAIN = [
  '-u',
  '-u**3',
  '-sin(u)',
  '-tanh(u)',
  '-u**2/(1+u**2)',
  '+u -u**2',
  '+u -u**3',
  '+u -u**5',
  '+u**2 -u**4',
  '+sin(u) -u**3',
  '+exp(u)-1 -u**2',
  '+log(1+u**2) -u**2',
  '+tanh(u) -u**2',
  '+tanh(u) -u**3',
  '+u/(1+u**2) -u**2',
  '+u/(1+u**2) -u**3',
  '+u**2/(1+u**2) -u',
  '+u**2/(1+u**2) -u**3',
  '+u**3 -u**5',
  '-u +tanh(u)',
  '-u +u**4/(1+u**4)',
  '-u +u/(1+u+u**2)',
  '+sin(2*u) -u**2',
  '+sin(2*u) -u**3',
  '+sin(2*u) -u**5',
  '+sin(u) -u**4',
  '+tanh(u) -u**4',
  '+u/(1+u**2) -u**4',
  '+u/(1+u+u**2) -u**2',
  '+u/(1+u+u**2) -u**3',
  '-sin(2*u) -u**2',
  '-sin(2*u) -u**3',
  '-sin(2*u) -u**5',
  '-sin(u) -u**4',
  '-sin(u) -u**3',
  '-u +u/(1+u**2)',
  '-u**2 +u**2/(1+u**2)',
  '+u**3 -u**7',
  '+u**2 -u**5',
  '+u**2/(1+u**2) -u**5',
];

const PHYSICAL_FULL_EVAL_4000 = [
  '+u -u**4',
  '+u**2 -u**3',
  '+sin(u) -u**5',
  '+exp(u)-1 -u**3',
  '+log(1+u**2) -u**4',
  '+tanh(u) -u**5',
  '+u/(1+u**2) -u**5',
  '+u**2/(1+u**2) -u**4',
  '+u -u**7',
  '+sin(u) -sin(2*u)',
  '+u**2/(1+u**2) -u**4/(1+u**4)',
  '+exp(u)-1 -u**5',
  '-exp(u)-1 +sin(u)',
  '+u**5 -u**7',
  '-tanh(u) +u/(1+u**2)',
  '+u**3 -u**4',
  '-log(1+u**2) +u**2/(1+u**2)',
  '+u +u**2 -u**3',
  '+u +tanh(u) -u**3',
  '+u -u**3 -u**5',
  '+sin(u) -sin(2*u) -u**3',
  '+u +u**3 -u**7',
  '+u**2/(1+u**2) +u**4/(1+u**4) -u**5',
  '+exp(u)-1 +tanh(u) -u**7',
  '+sin(2*u) +u**2/(1+u**2) -u**7',
];

function template(text: string): LawTemplate {
  const parts = text.split(' ').map((p) => ({ sign: p[0] === '-' ? -1 : 1, term: p.slice(1) }));
  for (const p of parts) if (!isPaperTerm(p.term)) throw new Error(`family term '${p.term}' is not in the dictionary`);
  return { terms: parts.map((p) => p.term), signs: new Map(parts.map((p) => [p.term, p.sign])) };
}

export const LAW_FAMILIES = {
  physical_full_train: PHYSICAL_FULL_TRAIN.map(template),
  physical_full_eval_4000: PHYSICAL_FULL_EVAL_4000.map(template),
} as const;

export type LawFamily = keyof typeof LAW_FAMILIES;
