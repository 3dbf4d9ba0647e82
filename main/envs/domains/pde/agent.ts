/**
 * PDE Discovery scripted agents. The oracle samples spread points, regresses, and commits; the commit feedback
 * (which committed terms are in the law, which are extra, how many are missing) goes into its notes, and on later
 * tasks it restricts the regression to what the notes allow and pools the pack's evidence (scope=pack).
 * Without notes it can only run a best-subset regression on its own six noisy samples.
 */
import { Rng, stableSeed } from '../../seed.ts';
import type { EpisodeEnd, ScriptedAgent, ScriptedAgentArgs } from '../../sdk.ts';
import { hintBody, joinSections, noisyFacts, noteSection } from '../shared/notes.ts';
import { TERM_NAMES } from './dictionary.ts';
import { parseEquation } from './equation.ts';
import { EMPTY_NOTES, factsOf, noteLines, notesOfFacts, parsePdeNotes, type PdeFact, type PdeNotes } from './notes.ts';
import { readPdeView, type PdeView } from './view.ts';

/** Spread over the domain and the horizon so the sampled u values span the trajectory's range. */
const SAMPLE_X = [0.5, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6, 0.1, 0.9];
const SAMPLE_T = [0.1, 0.5, 0.9, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6];

function samplePoints(v: PdeView): string {
  const k = Math.min(v.budgetLeft, SAMPLE_X.length);
  const pts = Array.from({ length: k }, (_, i) => `(${SAMPLE_X[i]}, ${(SAMPLE_T[i] * v.horizon).toFixed(2)})`);
  return `sample ${pts.join(' ')}`;
}

function regressAction(notes: PdeNotes, v: PdeView, retry: boolean): string {
  const known = notes.inLaw.length > 0 || notes.notInLaw.length > 0 || notes.termCount !== null;
  if (retry || !known) {
    // From scratch: the law has at most maxTerms terms; a best subset of that size on this task's samples.
    return `regress max_terms=${retry ? 1 : v.maxTerms} threshold=0.1 scope=task`;
  }
  const candidates = TERM_NAMES.filter((t) => !notes.notInLaw.includes(t));
  if (notes.termCount !== null && notes.inLaw.length >= notes.termCount) {
    return `regress terms=${notes.inLaw.join(',')} threshold=0 scope=pack`;
  }
  const k = notes.termCount ?? v.maxTerms;
  return `regress terms=${candidates.join(',')} max_terms=${k} threshold=0.05 scope=pack`;
}

function commitAction(v: PdeView): string {
  if (v.last.kind !== 'regress') return 'commit 0';
  const parts = v.last.report.coefficients.map(
    (c, i) => `${i === 0 ? (c.value < 0 ? '-' : '') : c.value < 0 ? ' - ' : ' + '}${Math.abs(c.value)}*${c.term}`,
  );
  return `commit ${parts.length === 0 ? '0' : parts.join('')}`;
}

class PdeOracle implements ScriptedAgent {
  private readonly rng: Rng;
  constructor(
    private readonly noteNoise: number,
    seed: string,
  ) {
    this.rng = new Rng(stableSeed('pde/oracle-notes', seed));
  }

  act(hints: string, view: Readonly<Record<string, unknown>>): string {
    const v = readPdeView(view);
    const notes = parsePdeNotes(hintBody(hints));
    if (v.samples.length === 0 && v.budgetLeft > 0) return samplePoints(v);
    if (!v.regressed || v.last.kind === 'regress_error')
      return regressAction(notes, v, v.last.kind === 'regress_error');
    return commitAction(v);
  }

  writeNotes(prevHints: string, finalView: Readonly<Record<string, unknown>>, end: EpisodeEnd): string {
    const v = readPdeView(finalView);
    const prev = parsePdeNotes(hintBody(prevHints));
    const next = v.result ? learn(prev, v) : prev;
    const facts = noisyFacts<PdeFact>(factsOf(next), this.noteNoise, this.rng, (f, rng) => {
      switch (f.kind) {
        case 'in':
          return { kind: 'out', term: f.term };
        case 'out':
          return { kind: 'in', term: f.term };
        case 'count':
          return { kind: 'count', value: Math.max(1, f.value + (rng.next() < 0.5 ? -1 : 1)) };
        case 'coef':
          return { kind: 'coef', term: f.term, value: f.value * rng.uniform(0.5, 1.5) };
      }
    });
    const kept = notesOfFacts(facts);
    const technique = [
      'sample 6 spread points, regress, commit the regression result (commit needs both in the same task)',
      kept.inLaw.length > 0 || kept.notInLaw.length > 0
        ? 'the law looked the same across tasks so far: pool all samples with scope=pack and restrict terms= to the allowed ones'
        : 'nothing confirmed yet: use max_terms to keep the law sparse',
      `last task: reward ${end.reward.toFixed(3)}`,
    ];
    return joinSections([
      noteSection('PDE reaction law (from commit feedback)', noteLines(kept)),
      noteSection('Technique', technique),
    ]);
  }
}

/** Fold one commit's feedback into the notes. */
function learn(prev: PdeNotes, v: PdeView): PdeNotes {
  const r = v.result;
  if (!r) return prev;
  const inLaw = [...new Set([...prev.inLaw, ...r.correct])];
  const notInLaw = [...new Set([...prev.notInLaw, ...r.extra])].filter((t) => !inLaw.includes(t));
  const termCount = r.correct.length + r.missing;
  const coefficients = new Map(prev.coefficients);
  for (const t of [...coefficients.keys()]) if (!inLaw.includes(t)) coefficients.delete(t);
  if (r.extra.length === 0 && r.missing === 0) {
    const eq = parseEquation(r.law);
    if (eq.ok) eq.coef.forEach((c, k) => (c !== 0 ? coefficients.set(TERM_NAMES[k], c) : undefined));
  }
  return { ...EMPTY_NOTES, inLaw, notInLaw, termCount, coefficients };
}

/** Random well-formed tool calls. */
class PdeRandom implements ScriptedAgent {
  private readonly rng: Rng;
  constructor(seed: string) {
    this.rng = new Rng(stableSeed('pde/random', seed));
  }

  act(_hints: string, view: Readonly<Record<string, unknown>>): string {
    const v = readPdeView(view);
    const r = this.rng;
    const roll = r.next();
    if (roll < 0.35 && v.budgetLeft > 0) {
      const k = r.int(1, v.budgetLeft);
      const pts = Array.from(
        { length: k },
        () => `(${r.uniform(0.05, 0.95).toFixed(2)}, ${r.uniform(0.05, 0.95).toFixed(2)})`,
      );
      return `sample ${pts.join(' ')}`;
    }
    if (roll < 0.45) return 'evidence';
    if (roll < 0.75) {
      const terms = r.shuffle(TERM_NAMES.slice()).slice(0, r.int(1, TERM_NAMES.length));
      return `regress terms=${terms.join(',')} scope=${r.next() < 0.5 ? 'task' : 'pack'}`;
    }
    const terms = r.shuffle(TERM_NAMES.slice()).slice(0, r.int(1, 2));
    return `commit ${terms.map((t) => `${r.uniform(-2, 2).toFixed(2)}*${t}`).join(' + ')}`.replace(/\+ -/g, '- ');
  }

  writeNotes(_prevHints: string, _finalView: Readonly<Record<string, unknown>>, end: EpisodeEnd): string {
    return joinSections([noteSection('PDE', [`tried random tool calls, reward ${end.reward.toFixed(3)}`])]);
  }
}

export function pdeAgent(args: ScriptedAgentArgs): ScriptedAgent {
  return args.kind === 'oracle' ? new PdeOracle(args.noteNoise, args.seed) : new PdeRandom(args.seed);
}
