/**
 * Scripted agents for the paper PDE presets, acting through the reference's XML actions. The oracle samples its six
 * points where u is largest (t ≤ 0.1, across x), regresses on merged_all (every dataset of the pack: the law is the
 * pack's) with the whole dictionary, and finalises an equation the regression scored, copied verbatim. The feedback
 * never says which terms are in the law, so its notes can only carry its own past choices: the supports it finalised
 * in earlier tasks, used to break near-ties (relative margin under 5 %) between scored candidates. The random agent
 * sends random well-formed actions.
 */
import { Rng, stableSeed } from '../../../seed.ts';
import type { EpisodeEnd, ScriptedAgent, ScriptedAgentArgs } from '../../../sdk.ts';
import { hintBody, joinSections, noisyFacts, noteSection } from '../../shared/notes.ts';
import { PAPER_DICTIONARY } from './terms.ts';
import { readPaperPdeView, type PaperPdeView } from './view.ts';

const ORACLE_POINTS: ReadonlyArray<readonly [number, number]> = [
  [0.5, 0.0],
  [0.3, 0.0],
  [0.15, 0.0],
  [0.7, 0.02],
  [0.85, 0.05],
  [0.5, 0.1],
];
const NEAR_TIE = 0.05;

const pointGrid = (points: ReadonlyArray<readonly [number, number]>) =>
  [
    '<sample_pde_data>',
    '  <point_grid>',
    ...points.map(([x, t]) => `    <point x="${x.toFixed(2)}" t="${t.toFixed(2)}"/>`),
    '  </point_grid>',
    '</sample_pde_data>',
  ].join('\n');

const regression = (datasetId: string, terms: readonly string[]) =>
  [
    '<run_sparse_regression>',
    `  <dataset_id>${datasetId}</dataset_id>`,
    '  <dictionary>',
    ...terms.map((t) => `    <term>${t}</term>`),
    '  </dictionary>',
    '</run_sparse_regression>',
  ].join('\n');

const finalise = (equation: string) =>
  [
    '<update_scientific_context>',
    `  <preferred_equation>${equation}</preferred_equation>`,
    '</update_scientific_context>',
  ].join('\n');

/** One note line per support finalised so far: "support u, u**3 finalised in 2 task(s)". */
const SUPPORT_LINE = /^\s*[-*]\s*support (.+?) finalised in (\d{1,3}) task\(s\)/gim;

export function parseSupportVotes(body: string): Map<string, number> {
  const votes = new Map<string, number>();
  for (const m of body.matchAll(SUPPORT_LINE)) {
    const terms = m[1].split(',').map((t) => t.trim().replace(/`/g, ''));
    if (terms.length === 0 || !terms.every((t) => (PAPER_DICTIONARY as readonly string[]).includes(t))) continue;
    votes.set(supportKey(terms), (votes.get(supportKey(terms)) ?? 0) + Number(m[2]));
  }
  return votes;
}

/** A support as a key independent of the order its terms were printed in. */
const supportKey = (terms: readonly string[]) =>
  [...terms].sort((a, b) => PAPER_DICTIONARY.indexOf(a as never) - PAPER_DICTIONARY.indexOf(b as never)).join(', ');

/** The scored candidate to finalise: the best, or a near-tied one whose support the notes favour. */
export function chooseEquation(v: PaperPdeView, votes: ReadonlyMap<string, number>): string | null {
  const r = v.lastRegression;
  if (!r || r.candidates.length === 0) return null;
  const best = r.candidates.find((c) => c.support.length > 0);
  if (!best) return null;
  let chosen = best;
  let chosenVotes = votes.get(supportKey(best.support)) ?? 0;
  for (const c of r.candidates) {
    if (c.support.length === 0) continue;
    const near = c.trainingMaxError <= best.trainingMaxError * (1 + NEAR_TIE);
    const n = votes.get(supportKey(c.support)) ?? 0;
    if (near && n > chosenVotes) {
      chosen = c;
      chosenVotes = n;
    }
  }
  return chosen.equation;
}

class PaperPdeOracle implements ScriptedAgent {
  private readonly rng: Rng;
  constructor(
    private readonly noteNoise: number,
    seed: string,
  ) {
    this.rng = new Rng(stableSeed('pde/paper-oracle-notes', seed));
  }

  act(hints: string, view: Readonly<Record<string, unknown>>): string {
    const v = readPaperPdeView(view);
    if (!v.sampledThisTask && v.budgetRemaining > 0) return pointGrid(ORACLE_POINTS.slice(0, v.budgetRemaining));
    if (!v.lastRegression) return regression('merged_all', v.dictionary);
    const equation = chooseEquation(v, parseSupportVotes(hintBody(hints)));
    return equation ? finalise(equation) : regression('merged_all', v.dictionary);
  }

  writeNotes(prevHints: string, finalView: Readonly<Record<string, unknown>>, _end: EpisodeEnd): string {
    const v = readPaperPdeView(finalView);
    const votes = parseSupportVotes(hintBody(prevHints));
    if (v.finalized && v.finalized.support.length > 0) {
      const key = supportKey(v.finalized.support);
      votes.set(key, (votes.get(key) ?? 0) + 1);
    }
    type Vote = { readonly support: string; readonly count: number };
    const facts = noisyFacts<Vote>(
      [...votes].map(([support, count]) => ({ support, count })),
      this.noteNoise,
      this.rng,
      (f, rng) => ({ support: rng.pick(PAPER_DICTIONARY), count: f.count }),
    );
    const lines = facts
      .sort((a, b) => b.count - a.count)
      .map((f) => `support ${f.support} finalised in ${f.count} task(s)`);
    if (v.finalized) lines.push(`latest finalised equation: ${v.finalized.equation}`);
    return joinSections([
      noteSection('PDE reaction law (my own finalised choices; the feedback never confirms them)', lines),
      noteSection('Technique', [
        'sample 6 points at t <= 0.1 across x (u is largest early), run_sparse_regression on merged_all with the whole dictionary, then update_scientific_context with a scored equation copied verbatim',
        'every task of the pack shares the law and merged_all pools all its samples, so later regressions see more data',
      ]),
    ]);
  }
}

/** Random well-formed actions. */
class PaperPdeRandom implements ScriptedAgent {
  private readonly rng: Rng;
  constructor(seed: string) {
    this.rng = new Rng(stableSeed('pde/paper-random', seed));
  }

  act(_hints: string, view: Readonly<Record<string, unknown>>): string {
    const v = readPaperPdeView(view);
    const r = this.rng;
    const roll = r.next();
    if (roll < 0.35 && v.budgetRemaining > 0) {
      const n = r.int(1, v.budgetRemaining);
      return pointGrid(Array.from({ length: n }, () => [r.uniform(0.01, 0.99), r.uniform(0, 1)] as const));
    }
    if (roll < 0.45)
      return '<summarize_pack_evidence>\n  <reveal_equations>true</reveal_equations>\n</summarize_pack_evidence>';
    if (roll < 0.75 || !v.lastRegression) {
      const terms = r.shuffle([...PAPER_DICTIONARY]).slice(0, r.int(1, 5));
      return regression(v.datasets.length > 0 ? r.pick(['merged_all', ...v.datasets]) : 'merged_all', terms);
    }
    return finalise(r.pick(v.lastRegression.candidates).equation);
  }

  writeNotes(_prevHints: string, _finalView: Readonly<Record<string, unknown>>, _end: EpisodeEnd): string {
    return joinSections([noteSection('PDE', ['tried random actions'])]);
  }
}

export function paperPdeAgent(args: ScriptedAgentArgs): ScriptedAgent {
  return args.kind === 'oracle' ? new PaperPdeOracle(args.noteNoise, args.seed) : new PaperPdeRandom(args.seed);
}
