/**
 * Optimal Control scripted agents. The oracle fits a and b to the (t, x, v, u) feedback table by least squares,
 * keeps them (with their weight) in Markdown notes, and on later tasks writes a finite-horizon LQR controller for
 * the believed model as an expression. Without notes it assumes a = 0.9, b = +1 — wrong whenever b < 0.
 */
import { Rng, stableSeed } from '../../seed.ts';
import type { EpisodeEnd, ScriptedAgent, ScriptedAgentArgs } from '../../sdk.ts';
import { hintBody, joinSections, noisyFacts, noteSection } from '../shared/notes.ts';
import { CLOSE_TAG, OPEN_TAG } from './answer.ts';
import { estimateDynamics, mergeEstimates } from './identify.ts';
import { aLine, bLine, countLine, notesEstimate, parseControlNotes } from './notes.ts';
import { bestGains, gainsExpression } from './synthesis.ts';
import type { ControlTask } from './task.ts';
import { readControlView, type ControlView } from './view.ts';

/** The oracle's prior before any evidence: a stable-ish plant pushed forward by u. */
export const PRIOR_A = 0.9;
export const PRIOR_B = 1;

function taskOf(v: ControlView): ControlTask {
  return {
    index: 0,
    horizon: v.horizon,
    x0: v.x0,
    v0: v.v0,
    xTarget: v.xTarget,
    vTarget: v.vTarget,
    noise: new Array<number>(v.horizon).fill(0),
  };
}

const wrap = (expr: string) => `${OPEN_TAG}${expr}${CLOSE_TAG}`;

type Fact = { readonly key: 'a' | 'b'; readonly value: number };

class ControlOracle implements ScriptedAgent {
  private readonly rng: Rng;
  constructor(
    private readonly noteNoise: number,
    seed: string,
  ) {
    this.rng = new Rng(stableSeed('control/oracle-notes', seed));
  }

  act(hints: string, view: Readonly<Record<string, unknown>>): string {
    const v = readControlView(view);
    const notes = parseControlNotes(hintBody(hints));
    const a = notes.a ?? PRIOR_A;
    const b = notes.b ?? PRIOR_B;
    return wrap(gainsExpression(bestGains(a, b, taskOf(v))));
  }

  writeNotes(prevHints: string, finalView: Readonly<Record<string, unknown>>, end: EpisodeEnd): string {
    const v = readControlView(finalView);
    const prev = notesEstimate(parseControlNotes(hintBody(prevHints)));
    const fresh = v.result ? estimateDynamics(v.result.rows) : null;
    // If the notes' model was badly wrong (sign of b flipped, say), trust the new table rather than average.
    const keepPrev = prev && fresh ? Math.sign(prev.b) === Math.sign(fresh.b) : true;
    const est = mergeEstimates(keepPrev ? prev : null, fresh);
    if (!est) return joinSections([noteSection('Control dynamics', ['no usable trajectory yet: a and b unknown'])]);
    const facts = noisyFacts<Fact>(
      [
        { key: 'a', value: est.a },
        { key: 'b', value: est.b },
      ],
      this.noteNoise,
      this.rng,
      (f, rng) =>
        f.key === 'a' ? { key: 'a', value: f.value * rng.uniform(0.6, 1.4) } : { key: 'b', value: -f.value },
    );
    const lines = facts.map((f) => (f.key === 'a' ? aLine(f.value) : bLine(f.value)));
    if (lines.length > 0) lines.push(countLine(est.n));
    const technique = [
      'controller: finite-horizon LQR on [x, v, 1] with the estimated a, b, written as `clip(kx*x + kv*v + k1, -1, 1) if t == 0 else …`',
      `last task reward ${end.reward.toFixed(3)}`,
    ];
    return joinSections([
      noteSection('Control dynamics (same for every task)', lines),
      noteSection('Technique', technique),
    ]);
  }
}

/** Random well-formed controllers: a few expression shapes with random constants. */
class ControlRandom implements ScriptedAgent {
  private readonly rng: Rng;
  constructor(seed: string) {
    this.rng = new Rng(stableSeed('control/random', seed));
  }

  act(_hints: string, _view: Readonly<Record<string, unknown>>): string {
    const k = () => (Math.round(this.rng.uniform(-2, 2) * 100) / 100).toString();
    const shapes = [
      () => `clip(${k()}*(x_target - x) + ${k()}*v, -1, 1)`,
      () => k(),
      () => `${k()} if x < x_target else ${k()}`,
      () => `max(-1, min(1, ${k()}*x + ${k()}*v + ${k()}))`,
      () => `${k()} * remaining_steps / horizon`,
    ];
    return wrap(this.rng.pick(shapes)());
  }

  writeNotes(_prevHints: string, _finalView: Readonly<Record<string, unknown>>, end: EpisodeEnd): string {
    return joinSections([noteSection('Control', [`tried a random controller, reward ${end.reward.toFixed(3)}`])]);
  }
}

export function controlAgent(args: ScriptedAgentArgs): ScriptedAgent {
  return args.kind === 'oracle' ? new ControlOracle(args.noteNoise, args.seed) : new ControlRandom(args.seed);
}
