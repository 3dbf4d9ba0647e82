/**
 * The PDE `paper` / `paper-hard` presets against the reference implementation (agentscope-ai/Trinity-RFT,
 * trinity/common/workflows/connect_the_dots/pde_discovery/: workflow.py and regression.py @ 139d1c43, candidate.py
 * and ground_truth.py @ 1d7fae4a, pde_numeric.py @ 139d1c43, prompts/*.jinja2 @ 1d7fae4a; connect_the_dots/utils.py
 * @ 1d7fae4a parse_xml_answer). Numbers, parses and texts are pinned in pde-paper/fixtures.json, produced by
 * pde-paper/reference.py (a numpy transcription of those functions, with jinja2 for the user turn); the episode
 * rules are pinned on concrete cases transcribed from workflow.py.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pde } from '../../../main/envs/domains/pde/index.ts';
import { hiddenFormulaReward, normalizePointGrid } from '../../../main/envs/domains/pde/paper/episode.ts';
import { LAW_FAMILIES } from '../../../main/envs/domains/pde/paper/families.ts';
import { familyAmplitudeUpper } from '../../../main/envs/domains/pde/paper/law.ts';
import { PAPER_PDE_PRESETS } from '../../../main/envs/domains/pde/paper/params.ts';
import { PaperPdeWorld } from '../../../main/envs/domains/pde/paper/world.ts';
import { DenseTrajectory, initialProfile, linspace } from '../../../main/envs/domains/pde/paper/numeric.ts';
import { paperUserPrompt } from '../../../main/envs/domains/pde/paper/prompts.ts';
import { pyFloat, pyFormatG, pyRepr, pyRound } from '../../../main/envs/domains/pde/paper/py.ts';
import { effectiveKappa, sparseRegression } from '../../../main/envs/domains/pde/paper/regression.ts';
import {
  candidateCoefficients,
  candidateSupport,
  formatEquation,
  PAPER_DICTIONARY,
  reactionValue,
} from '../../../main/envs/domains/pde/paper/terms.ts';
import type { PaperPdeView } from '../../../main/envs/domains/pde/paper/view.ts';
import { parseXmlAnswer } from '../../../main/envs/domains/pde/paper/xml-answer.ts';
import type { StepResult, TaskEpisode } from '../../../main/envs/sdk.ts';

type Json = ReturnType<typeof JSON.parse>;
const fixtures: Json = JSON.parse(readFileSync(new URL('./pde-paper/fixtures.json', import.meta.url), 'utf8'));
/** reference.py writes non-finite floats as "nan", "inf", "-inf". */
const num = (v: number | string): number =>
  typeof v === 'number' ? v : v === 'nan' ? NaN : v === 'inf' ? Infinity : -Infinity;
const DICT: readonly string[] = PAPER_DICTIONARY;
const LIST_TAGS = new Set(['dictionary', 'candidate_equations', 'uncertain_terms']);

const close = (a: number, b: number, rel: number) =>
  Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b), 1e-300);

describe('pde paper: Python number formatting and parsing (the texts print Python floats)', () => {
  it.each(fixtures.g as Json[])('formats $x as Python does', (row) => {
    const x = num(row.x);
    expect(pyFormatG(x, 3)).toBe(row.g3);
    expect(pyFormatG(x, 4)).toBe(row.g4);
    expect(pyFormatG(x, 6)).toBe(row.g6);
    expect(pyRepr(x)).toBe(row.repr);
    if (Number.isFinite(x)) {
      expect(pyRound(x, 3)).toBe(num(row.round3));
      expect(pyRound(x, 2)).toBe(num(row.round2));
    }
  });

  it.each(fixtures.floats as Json[])("float('$s')", (row) => {
    const v = pyFloat(row.s);
    expect(v === null ? null : pyRepr(v)).toBe(row.value);
  });
});

describe('pde paper: the XML answer (utils.py parse_xml_answer)', () => {
  it.each(fixtures.xml as Json[])('parses $response', (row) => {
    const parsed = parseXmlAnswer(row.response, LIST_TAGS);
    expect(parsed.ok ? parsed.action : null).toEqual(row.parsed);
  });
});

describe('pde paper: equations (candidate.py)', () => {
  it.each(fixtures.parses as Json[])('reads $text', (row) => {
    expect([...candidateCoefficients(row.text, DICT)]).toEqual(row.coefficients);
    expect(candidateSupport(row.text, DICT, DICT)).toEqual(row.support);
  });

  it.each(fixtures.formats as Json[])('formats $text', (row) => {
    expect(formatEquation(new Map(row.coefficients))).toBe(row.text);
  });

  it('scores as the reference: |Δc| over all 15 terms over Σ|c_true|, penalty only for support beyond the truth', () => {
    const target = new Map<string, number>(fixtures.target);
    for (const row of fixtures.rewards as Json[]) {
      const r = hiddenFormulaReward(row.candidate, target, target.size);
      expect(r.loss).toBeCloseTo(row.loss, 14);
      expect(r.reward).toBeCloseTo(row.reward, 14);
    }
    // One more term than the truth: its coefficient in the L1 and a size penalty of 1; a smaller support none.
    expect(hiddenFormulaReward('0.3*u**2 + 1*u - 0.5*u**3', target, 2).loss).toBeCloseTo(0.3 / 1.5 + 1, 14);
    expect(hiddenFormulaReward('1*u', target, 2).loss).toBeCloseTo(0.5 / 1.5, 14);
  });
});

describe('pde paper: sparse regression and its diagnostics (regression.py)', () => {
  it.each(fixtures.regressions as Json[])('$name', (row) => {
    const r = sparseRegression({
      u: row.u,
      y: row.y,
      dictionary: row.dictionary,
      threshold: row.threshold,
      maxReactionTerms: row.cap,
      blindPenalty: 100,
      kappaThreshold: 100,
      allowedSupports: row.allowed,
    });
    const ref = row.result;
    expect(r.equation).toBe(ref.equation);
    expect([...r.coefficients]).toEqual(ref.coefficients);
    expect(close(r.maxError, ref.max_error, 1e-9)).toBe(true);
    expect(pyFormatG(r.kappa, 3)).toBe(pyFormatG(ref.kappa, 3));
    expect(close(r.conditionRatio, ref.condition_ratio, 1e-6) || r.conditionRatio === ref.condition_ratio).toBe(true);
    expect(r.secondBestEquation).toBe(ref.second_best_equation);
    expect(pyFormatG(r.relativeMargin, 3)).toBe(pyFormatG(num(ref.relative_margin), 3));
    expect(r.candidateDiagnostics.map((c) => c.equation)).toEqual(ref.candidates.map((c: Json) => c.equation));
    expect(r.candidateDiagnostics.map((c) => c.support)).toEqual(ref.candidates.map((c: Json) => c.support));
    expect(r.feedback).toContain(`Scored ${ref.scored} support(s) from the`);
    expect(r.feedback).toContain(`full-dictionary kappa = ${pyFormatG(ref.dictionary_kappa, 3)}.`);
    expect(r.feedback).toContain(
      `Best fit: f(u) = ${ref.equation}. sampled-data max error = ${pyFormatG(ref.max_error, 3)}.`,
    );
    expect(r.feedback.includes('No different-support alternative was supplied')).toBe(ref.distinct < 2);
    const pred = row.u.map((u: number) => reactionValue(u, r.coefficients));
    pred.forEach((p: number, i: number) => expect(close(p, row.point_errors[i], 1e-12)).toBe(true));
  });

  it.each(fixtures.kappa as Json[])('effective_kappa on $dictionary', (row) => {
    expect(pyFormatG(effectiveKappa(row.u, row.dictionary), 3)).toBe(pyFormatG(row.kappa, 3));
  });
});

describe("pde paper: the simulator (pde_numeric.py) and the family's amplitude bound (ground_truth.py)", () => {
  const sim = fixtures.simulation;
  const x = linspace(0, 1, 257);
  const u0 = initialProfile(x, sim.amplitude, sim.modes);
  const traj = new DenseTrajectory({ nx: 257, nt: 2001 }, u0, new Map(sim.law), sim.limit);

  it('draws the initial profile from given draws as _random_initial_condition does', () => {
    for (const [i, v] of sim.u0_at) expect(close(u0[i], v, 1e-13) || u0[i] === v).toBe(true);
  });

  it('steps u_t = u_xx + f(u) semi-implicitly and samples u and the scheme-consistent residual bilinearly', () => {
    for (const [n, i, v] of sim.u_node) expect(close(traj.u[n * 257 + i], v, 1e-11)).toBe(true);
    sim.points.forEach(([px, pt]: [number, number], k: number) => {
      expect(close(traj.interpolate('u', px, pt), sim.u[k], 1e-11)).toBe(true);
      // The residual divides node differences by dt: its rounding is amplified 2000-fold.
      expect(Math.abs(traj.interpolate('y', px, pt) - sim.y[k])).toBeLessThan(1e-8);
    });
  });

  it(
    'calibrates the initial-amplitude bound of both families as the reference (bisection, 65 x 401 grid)',
    { timeout: 120_000 },
    () => {
      const train = familyAmplitudeUpper('physical_full_train', LAW_FAMILIES.physical_full_train, 1, 2, 3.0, true);
      expect(train).toBe(fixtures.calibration['physical_full_train|1|2|3']);
      expect(familyAmplitudeUpper('physical_full_train', LAW_FAMILIES.physical_full_train, 1, 2, 3.0)).toBe(train);
    },
  );
});

describe('pde paper: the user turn (user.jinja2 with trim_blocks and lstrip_blocks)', () => {
  it.each((fixtures.user_prompts as Json[]).map((c, i) => ({ ...c, i })))('renders case $i', (row) => {
    const f = row.facts;
    const e = f.evidence_memory.observation_summary;
    const text = paperUserPrompt({
      taskPosition: f.task_position,
      packSize: f.pack_size,
      currentStep: f.current_step,
      maxSteps: f.max_steps,
      pointBudget: f.point_budget,
      budgetRemaining: f.budget_remaining,
      taskDescription: f.task_description,
      availableDatasets: f.available_datasets,
      lastSampledMaxError: f.last_sampled_max_error,
      evidenceMemory: e
        ? {
            taskEvidenceStatus: f.evidence_memory.task_evidence_status,
            n: e.n,
            uSpan: e.u_span,
            relativeMargin: num(e.relative_margin),
            preferredSampledMaxError: e.preferred_sampled_max_error,
          }
        : null,
      actionFeedback: f.action_feedback,
    });
    expect(text).toBe(row.text);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Episodes: workflow.py @ 139d1c43 (step_async, _execute_action, the four handlers, _get_feedback, reward_async,
// _compress_memory) on concrete cases.

const open = (seed: string, preset = 'paper', packSize?: number) =>
  pde.openPack({ seed, preset, rendering: 'chat', ...(packSize ? { packSize } : {}) });
const answer = (xml: string) => `reasoning first\n<answer>\n${xml}\n</answer>`;
const act = (ep: TaskEpisode, xml: string): StepResult => ep.step(xml, answer(xml));
const view = (ep: TaskEpisode) => ep.view() as PaperPdeView;
const SAMPLE =
  '<sample_pde_data><point_grid><point x="0.5" t="0"/><point x="0.3" t="0"/><point x="0.15" t="0"/>' +
  '<point x="0.7" t="0.02"/><point x="0.85" t="0.05"/><point x="0.5" t="0.1"/></point_grid></sample_pde_data>';
const REGRESS = `<run_sparse_regression><dictionary>${DICT.map((t) => `<term>${t}</term>`).join('')}</dictionary></run_sparse_regression>`;
const finalise = (eq: string) =>
  `<update_scientific_context><preferred_equation>${eq}</preferred_equation></update_scientific_context>`;

/** Sample, regress and finalise the regression's best equation. */
function solve(ep: TaskEpisode): StepResult & { done: true } {
  act(ep, SAMPLE);
  act(ep, REGRESS);
  const r = act(ep, finalise(view(ep).lastRegression?.equation ?? '0'));
  if (!r.done) throw new Error('expected the task to end');
  return r;
}

describe('pde paper: the episode', () => {
  it('tells the reference system prompt with the 15-term dictionary and the support size (1 to 2; 1 to 3 on paper-hard)', () => {
    const rules = open('p-rules').startTask(0).rules();
    expect(
      rules.startsWith(
        'You are a scientific discovery agent. Your goal is to identify the hidden nonlinear reaction term f(u) in\n\n    partial_t u = partial_xx u + f(u)\n',
      ),
    ).toBe(true);
    expect(rules).toContain(`\n\n${DICT.join(', ')}\n\n`);
    expect(rules).toContain('The hidden equation has 1 to 2 active terms;');
    expect(rules.endsWith('never output more than one <answer> block.')).toBe(true);
    expect(open('p-rules', 'paper-hard').startTask(0).rules()).toContain(
      'The hidden equation has 1 to 3 active terms;',
    );
  });

  it("uses the config's sizes: 6 steps, 6 points, pack 4 in training and 8 on paper-hard unless the lifecycle says", () => {
    const ep = open('p-sizes').startTask(0);
    expect(ep.maxTurns).toBe(6);
    expect(
      ep.observation().startsWith('Task 1/4 | Step 1/6\nPoint budget: 6/6 remaining\n\nTask: Discover the nonlinear'),
    ).toBe(true);
    expect(open('p-sizes', 'paper-hard').startTask(2).observation().startsWith('Task 3/8 | Step 1/6')).toBe(true);
    expect(open('p-sizes', 'paper', 8).startTask(0).observation().startsWith('Task 1/8 |')).toBe(true);
    expect(() => pde.openPack({ seed: 'x', preset: 'paper', rendering: 'chat', options: { noise: 0.1 } })).toThrow(
      /unknown option/,
    );
  });

  it('draws each law from its template family: terms of one template, |c| in [0.5, 2] to 2 decimals, the template signs', () => {
    for (const [preset, family] of [
      ['paper', LAW_FAMILIES.physical_full_train],
      ['paper-hard', LAW_FAMILIES.physical_full_eval_4000],
    ] as const) {
      const templates = family.map((t) => [...t.terms].sort((a, b) => DICT.indexOf(a) - DICT.indexOf(b)).join(' '));
      for (let k = 0; k < 6; k++) {
        // The law is hidden from views: the pack's world, as openPack builds it, holds it.
        const { law } = new PaperPdeWorld(
          `p-law-${k}`,
          PAPER_PDE_PRESETS[preset],
          PAPER_PDE_PRESETS[preset].defaultPackSize,
        );
        expect(templates).toContain(law.terms.join(' '));
        for (const [term, c] of law.coefficients) {
          expect(Math.abs(c)).toBeGreaterThanOrEqual(0.5);
          expect(Math.abs(c)).toBeLessThanOrEqual(2);
          expect(pyRound(c, 2)).toBe(c);
          const t = family.find((f) => [...f.terms].sort().join() === [...law.terms].sort().join());
          expect(Math.sign(c)).toBe(t?.signs.get(term));
        }
      }
    }
  });

  it('assigns the bench template by pack index on paper-hard: pack k gets eligible template k mod 25 (get_pde_discovery_data.py @ 139d1c43, build_stratified_eval_template_assignments)', () => {
    const eligible = LAW_FAMILIES.physical_full_eval_4000.filter((t) => t.terms.length >= 1 && t.terms.length <= 3);
    expect(eligible).toHaveLength(25);
    const inOrder = (ts: readonly string[]) => [...ts].sort((a, b) => DICT.indexOf(a) - DICT.indexOf(b)).join(' ');
    const hard = PAPER_PDE_PRESETS['paper-hard'];
    for (const k of [0, 7, 24, 25, 51]) {
      const { law } = new PaperPdeWorld(`p-strat-${k}`, hard, 8, k);
      expect(law.terms.join(' ')).toBe(inOrder(eligible[k % 25].terms));
    }
    // Without an index (a pack opened outside a suite) the template is drawn, as for training rows.
    const drawn = new Set(
      [0, 1, 2, 3, 4, 5].map((k) => new PaperPdeWorld(`p-strat-${k}`, hard, 8).law.terms.join(' ')),
    );
    expect(drawn.size).toBeGreaterThan(1);
    // Training rows carry no template: `paper` ignores the index.
    const train = PAPER_PDE_PRESETS.paper;
    expect(new PaperPdeWorld('p-train', train, 4, 3).law).toEqual(new PaperPdeWorld('p-train', train, 4).law);
    expect(() => pde.openPack({ seed: 's', preset: 'paper-hard', rendering: 'chat', packIndex: -1 })).toThrow(
      /packIndex must be a non-negative integer, got -1/,
    );
  });

  it('answers a commit with the three diagnostic lines: never the true terms, never the reward', () => {
    const pack = open('p-feedback');
    const ep = pack.startTask(0);
    const end = solve(ep);
    const eq = view(ep).finalized?.equation;
    expect(end.feedback.split('\n')).toEqual([
      expect.stringMatching(/^Latest sampled-data diagnostic: \d/),
      `Latest finalized equation: ${eq}`,
      `Latest regression candidate: ${view(ep).lastRegression?.equation}`,
    ]);
    expect(end.feedback).not.toMatch(/reward|correct|missing|extra|true/i);
    const truth = formatEquation(new PaperPdeWorld('p-feedback', PAPER_PDE_PRESETS.paper, 4).law.coefficients);
    if (truth !== eq) expect(end.feedback).not.toContain(truth);
    expect(end.reward).toBeGreaterThan(0);
    expect(end.reward).toBeLessThanOrEqual(1);
  });

  it('ends on an unparsable answer, arguments that are not a mapping or an unknown action, reward 0', () => {
    const fmt = 'Invalid format: expected exactly one XML action wrapped in <answer>...</answer>. Game over.';
    const bad = (response: string) => open('p-format').startTask(0).step('', response) as StepResult & { done: true };
    expect(bad('<answer><a></b></answer>')).toMatchObject({
      done: true,
      outcome: 'format_error',
      reward: 0,
      feedback: fmt,
    });
    expect(bad('<answer><a/></answer> <answer><a/></answer>').feedback).toBe(fmt);
    expect(bad('<answer>just text</answer>').feedback).toBe(fmt);
    expect(bad('<answer><dictionary><term>u</term></dictionary></answer>').feedback).toBe(
      'Invalid action arguments. Game over.',
    );
    expect(bad('<answer><commit>1*u</commit></answer>').feedback).toBe('Invalid action arguments. Game over.');
    expect(bad('<answer><commit x="1"/></answer>').feedback).toBe(
      "Invalid action: unknown action 'commit'. Game over.",
    );
    expect(open('p-format').startTask(0).formatError('no answer', 'I think…')).toMatchObject({
      outcome: 'format_error',
      reward: 0,
      feedback: fmt,
    });
  });

  it("makes a handler's error feedback that costs the step; six steps without a finalisation score 0", () => {
    const ep = open('p-errors').startTask(0);
    const steps = [
      ['<sample_pde_data><points>1</points></sample_pde_data>', 'Error: explicit points are not supported.'],
      ['<sample_pde_data/>', 'Error: sample_pde_data supports only point_grid.'],
      [
        '<sample_pde_data><point_grid><point x="1.0" t="0.1"/></point_grid></sample_pde_data>',
        'Error: each point in point_grid must contain numeric x and t values with 0 < x < 1 and 0 <= t <= 1.',
      ],
      [finalise('1.2*u'), 'Error: update_scientific_context requires current-task sample_pde_data evidence'],
      ['<run_sparse_regression/>', "Error: dataset_id 'merged_all' was not found."],
    ] as const;
    for (const [xml, message] of steps) {
      const r = act(ep, xml);
      expect(r.done).toBe(false);
      expect(ep.observation()).toContain(`Action feedback:\n${message}`);
    }
    const last = act(ep, '<summarize_pack_evidence/>');
    expect(last).toMatchObject({ done: true, outcome: 'out_of_turns', reward: 0 });
    // reward_async: no diagnostic yet, so the blind penalty 100.0 is printed as Python prints it.
    expect((last as { feedback: string }).feedback).toBe(
      'Latest sampled-data diagnostic: 100.0\nLatest finalized equation: none\nLatest regression candidate: none',
    );
  });

  it('checks the finalisation as the reference: a scored candidate, no placeholders, sampling and a regression first', () => {
    const ep = open('p-final').startTask(0);
    act(ep, SAMPLE);
    expect(act(ep, finalise('1.2*u')).done).toBe(false);
    expect(ep.observation()).toContain(
      'Error: update_scientific_context requires at least one run_sparse_regression call',
    );
    act(ep, REGRESS);
    act(ep, finalise('a*u - b*u**3'));
    expect(ep.observation()).toContain('Error: preferred_equation contains symbolic coefficient(s): a, b.');
    act(ep, finalise('9.99*u'));
    expect(ep.observation()).toContain(
      'Error: preferred_equation must match a candidate scored by the latest run_sparse_regression call.',
    );
    const second = view(ep).lastRegression?.candidates[1].equation ?? '';
    const end = act(ep, finalise(second));
    expect(end.done).toBe(true);
    expect(view(ep).finalized?.equation).toBe(second);
  });

  it('keeps datasets, the latest equations and the evidence memory across the pack; task 0 starts afresh', () => {
    const pack = open('p-persist');
    const first = pack.startTask(0);
    solve(first);
    const eq1 = view(first).finalized?.equation;
    const second = pack.startTask(1);
    const obs = second.observation();
    expect(obs).toContain('Task 2/4 | Step 1/6');
    expect(obs).toContain('Datasets: ds_t1_1\n');
    expect(obs).toMatch(
      /Prior task evidence:\n- task_evidence_status: recorded\n- sampled_points: 6\n- sampled_u_span: [\d.e+-]+\n- preferred_sampled_max_error: [\d.e+-]+\n- relative_margin: [\d.e+-]+\n/,
    );
    // A task that ends without finalising still reports the pack's latest equation.
    for (let k = 0; k < 6; k++)
      act(second, '<summarize_pack_evidence><reveal_equations>true</reveal_equations></summarize_pack_evidence>');
    expect(second.observation()).toContain(`H1: tasks=1; agent_recorded_equation=${eq1}.`);
    const third = pack.startTask(2);
    act(third, SAMPLE);
    expect(view(third).datasets).toEqual(['ds_t1_1', 'ds_t3_2']);
    act(
      third,
      '<run_sparse_regression><dataset_id>merged_t3_t3</dataset_id><dictionary><term>u</term></dictionary></run_sparse_regression>',
    );
    expect(third.observation()).toContain('Fit dataset coverage: n=6;');
    const fresh = pack.startTask(0);
    expect(fresh.observation()).toContain('Datasets: none');
    expect(fresh.observation()).not.toContain('Prior task evidence');
  });

  it('builds the update trajectory as _build_trajectory over _compress_memory: early feedback compressed, responses whole', () => {
    const ep = open('p-traj').startTask(0);
    for (let k = 0; k < 5; k++) act(ep, '<summarize_pack_evidence/>');
    const end = act(ep, '<summarize_pack_evidence/>');
    const traj = end.done ? (end.trajectory ?? '') : '';
    expect(traj.startsWith(`System:\n${ep.rules()}\n\nStep 1:\nObservation: Task 1/4 | Step 1/6\n`)).toBe(true);
    expect(traj.match(/Action feedback:\n\[History compressed\.\]/g)?.length).toBe(3);
    expect(traj).toContain('Step 5:\nObservation: Task 1/4 | Step 5/6');
    expect(traj.split('Step 5:')[1]).toContain('Action feedback:\nPack evidence summary: no prior task evidence');
    expect(traj).toContain(`Action: ${answer('<summarize_pack_evidence/>')}`);
    expect(traj.split('\n\nStep ').length).toBe(7);
  });

  it('samples the trajectory of the task position with noise 0.002 on u and 0.0005 on y', () => {
    const a = open('p-noise').startTask(0);
    act(a, '<sample_pde_data><point_grid><point x="0.5" t="0.0"/></point_grid></sample_pde_data>');
    const fb = view(a).actionFeedback ?? '';
    expect(fb).toMatch(
      /^Sampled 1 points\. Dataset: ds_t1_1\. Point budget remaining: 5\/6\. Sampling mode: point_grid\. Region: x in \[0\.5, 0\.5\], t in \[0, 0\]\. mean t = 0\. Dataset coverage: n=1; u=\[[^\]]+\]; x_span=0; t_span=0\.$/,
    );
    expect(normalizePointGrid({ point: { x: ' 0.5 ', t: '1_0e-2' } })).toEqual([[0.5, 0.1]]);
    expect(normalizePointGrid({ point: [{ x: '0.5', t: '0.1' }, { x: '0.5' }] })).toBeNull();
    expect(normalizePointGrid({ point: { x: 'nan', t: '0.1' } })).toBeNull();
  });
});

describe('pde paper: garbage responses', () => {
  it('never throws; every task ends within its 6 steps with a defined outcome', () => {
    const tag = fc.constantFrom(
      'sample_pde_data',
      'run_sparse_regression',
      'update_scientific_context',
      'summarize_pack_evidence',
      'point_grid',
      'point',
      'dictionary',
      'term',
      'a',
    );
    const xmlish: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.string({ maxLength: 12 }),
        fc
          .tuple(
            tag,
            fc.array(tie('node'), { maxLength: 3 }),
            fc.constantFrom('', ' x="0.5" t="0.1"', ' x="2"', " dataset_id='merged_all'"),
          )
          .map(([t, kids, attrs]) => `<${t}${attrs}>${kids.join('')}</${t}>`),
      ),
    })).node;
    const response = fc.oneof(
      fc.string({ maxLength: 200 }),
      xmlish.map((x) => `<answer>${x}</answer>`),
      fc
        .string({ maxLength: 60 })
        .map(
          (s) =>
            `<answer><update_scientific_context><preferred_equation>${s}</preferred_equation></update_scientific_context></answer>`,
        ),
      fc
        .string({ maxLength: 60 })
        .map(
          (s) =>
            `<answer><run_sparse_regression><candidate_equations><equation>${s}</equation></candidate_equations></run_sparse_regression></answer>`,
        ),
    );
    const pack = open('p-fuzz');
    fc.assert(
      fc.property(fc.array(response, { minLength: 1, maxLength: 6 }), fc.nat(3), (responses, i) => {
        const ep = pack.startTask(i);
        let end: StepResult | undefined;
        for (const r of [...responses, ...Array(6).fill('<answer><summarize_pack_evidence/></answer>')]) {
          end = ep.step('', r);
          if (end.done) break;
        }
        expect(end?.done).toBe(true);
        expect(ep.turnsUsed()).toBeLessThanOrEqual(6);
        if (end?.done) expect(['format_error', 'out_of_turns', 'success', 'failure']).toContain(end.outcome);
      }),
      { numRuns: 150 },
    );
  });
});

describe('pde paper: scripted agents', () => {
  it('the oracle plays a pack through the XML protocol and its notes hold only its own choices', () => {
    const pack = open('p-agent');
    const oracle = pde.scriptedAgent({ kind: 'oracle', seed: 'a', noteNoise: 0 });
    let hints = 'Hints: null';
    const rewards: number[] = [];
    for (let task = 0; task < 3; task++) {
      const ep = pack.startTask(task);
      let r: StepResult = { done: false, observation: '' };
      while (!r.done) {
        const a = oracle.act(hints, ep.view());
        r = ep.step(a, answer(a));
      }
      rewards.push(r.reward);
      expect(r.outcome === 'success' || r.outcome === 'failure').toBe(true);
      hints = `Hints: ${oracle.writeNotes(hints, ep.view(), r)}`;
    }
    expect(hints).toMatch(/support .+ finalised in \d task\(s\)/);
    const random = pde.scriptedAgent({ kind: 'random', seed: 'r', noteNoise: 0 });
    const ep = open('p-agent').startTask(0);
    let r: StepResult = { done: false, observation: '' };
    while (!r.done) {
      const a = random.act('Hints: null', ep.view());
      r = ep.step(a, answer(a));
    }
    expect(r.outcome).not.toBe('format_error');
  });
});
