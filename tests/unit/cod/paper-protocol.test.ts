/**
 * The `paper` protocol pinned to the reference implementation (agentscope-ai/Trinity-RFT,
 * trinity/common/workflows/connect_the_dots/): each expected string below is transcribed from its code, cited beside it.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  budgetsFor,
  lifecycleConfig,
  maxNewTokensOf,
  PAPER_BUDGETS,
  PAPER_DOMAIN_BUDGETS,
  promptsFor,
} from '../../../main/cod/config.ts';
import {
  HINT_FORMAT_PENALTY,
  HINTS_END,
  HINTS_NULL,
  HINTS_START,
  HINTS_UNAVAILABLE,
  parseHints,
} from '../../../main/cod/hints.ts';
import { planPacks } from '../../../main/cod/packs.ts';
import type { Policy, PolicyRequest, PolicyResponse } from '../../../main/cod/policy.ts';
import { renderSolveSystem, renderUpdateMessages, type TrajectoryStep } from '../../../main/cod/prompt-render.ts';
import { runRollout } from '../../../main/cod/rollout.ts';
import { ScriptedPolicy } from '../../../main/cod/scripted-policy.ts';
import { InProcessEnvHost } from '../../../main/envs/inprocess-host.ts';
import { curriculumLifecycleConfig } from '../../../main/training/curriculum/lifecycle-config.ts';
import { loadCurriculum, parseCurriculum } from '../../../main/training/curriculum/load.ts';
import { stringifyCurriculum } from '../../../main/training/curriculum/stringify.ts';
import { trainerConfigSchema } from '../../../main/training/training-config.ts';
import { listDomains } from '../../../main/envs/registry.ts';
import { control } from '../../../main/envs/domains/control/index.ts';
import { gridNav } from '../../../main/envs/domains/gridnav/index.ts';
import { pde } from '../../../main/envs/domains/pde/index.ts';
import { PAPER_PDE_HISTORY } from '../../../main/envs/domains/pde/paper/episode.ts';
import type { DomainWithAgents } from '../../../main/envs/sdk.ts';
import { hiddenOffsetDomain } from '../../fixtures/domains/hidden-offset.ts';

const paper = lifecycleConfig({ protocol: 'paper' });

describe('paper protocol: hints parsing (cod_utils.py @ 139d1c43, CoDPrompts.extract_hint)', () => {
  it('an empty hints block is a parse failure: r^z = -0.1, z = "Hints: no hint available."', () => {
    for (const body of ['', '   ', '\n\n']) {
      const r = parseHints(`thinking\n${HINTS_START}${body}${HINTS_END}`, { emptyIsFailure: true });
      expect(r).toMatchObject({ ok: false, hints: HINTS_UNAVAILABLE, reward: HINT_FORMAT_PENALTY });
      expect(HINT_FORMAT_PENALTY).toBe(-0.1);
      // The workbench's own protocol keeps it as an empty note.
      expect(parseHints(`${HINTS_START}${body}${HINTS_END}`)).toEqual({ ok: true, hints: 'Hints: ', reward: 0 });
    }
  });

  it('a non-empty block is "Hints: " + the stripped content, r^z = 0', () => {
    expect(parseHints(`x\n${HINTS_START}\n- a\n${HINTS_END}`, { emptyIsFailure: true })).toEqual({
      ok: true,
      hints: 'Hints: - a',
      reward: 0,
    });
  });
});

const RULES = 'You are playing a game.\n\n## Rules\n1. Win.';
const steps: TrajectoryStep[] = [
  { observation: 'Step 1/8\n\nCurrent map:\n _ \t P \t', response: 'Try.\n<answer>Direction 2</answer>', answer: '' },
  { observation: 'Step 2/8', response: '  no tags  ' },
];

describe('paper protocol: prompts (chat)', () => {
  it('solve system = rules + "## Hints that might help" + z + the length line (base_workflow.py @ 1d7fae4a)', () => {
    expect(renderSolveSystem(paper.prompts, RULES, HINTS_NULL, 1000)).toBe(
      RULES +
        '\n\n## Hints that might help\nBelow are some hints that might be helpful, but there is no guarantee that they ' +
        'must be correct or applicable to the current task. You might leverage them as prior knowledge, while ' +
        'incorporating new information from your own experience in interacting with the environment.\n\n' +
        'Hints: null' +
        '\n\n## Response length limit\nPlease limit your response (including your thinking process) to 1000 tokens.',
    );
    // No "sequence of related tasks" preface in the solve prompt.
    expect(renderSolveSystem(paper.prompts, RULES, HINTS_NULL, 1000)).not.toMatch(/sequence of/);
  });

  it('update user prompt shows z_0 as "Hints: null", the whole responses, Reward x.xxx (cod_utils.py @ 139d1c43)', () => {
    const [sys, user] = renderUpdateMessages(paper.prompts, {
      previousHints: HINTS_NULL,
      rules: RULES,
      steps,
      reward: 0.9875,
      feedback: 'Success! Reached the goal (G).',
      previousHintsVerbatim: true,
      maxTokens: 1000,
    });
    expect(user.content).toBe(
      '--- Previous hints ---\n\nHints: null\n\n\n--- A new task-solving trajectory ---\n\n' +
        `System:\n${RULES}\n\n` +
        'Step 1:\nObservation: Step 1/8\n\nCurrent map:\n _ \t P \t\nAction: Try.\n<answer>Direction 2</answer>\n\n' +
        'Step 2:\nObservation: Step 2/8\nAction:   no tags  \n\n' +
        'Reward: 0.988\n\nEnvironment feedback: Success! Reached the goal (G).\n\n--- Your job ---\n\n' +
        'Now, please think through it and return your updated hints based on the above information, following the ' +
        'requirements in the system prompt.\n',
    );
    expect(sys.content.startsWith('You are a helpful assistant and a cross-task learning agent.')).toBe(true);
    expect(sys.content).toContain('task-solving performance.\n        \n## Problem setting');
    expect(sys.content).toContain(`\n\n${HINTS_START}\n- Your concise, transferable hints go here.\n${HINTS_END}\n`);
    // update_context_workflow.py @ 1d7fae4a, _append_token_limit
    expect(sys.content.endsWith('"##".\n\n\nPlease limit your response to 1000 tokens.')).toBe(true);
  });

  it('"Hints: no hint available." is shown as is, too', () => {
    const [, user] = renderUpdateMessages(paper.prompts, {
      previousHints: HINTS_UNAVAILABLE,
      rules: RULES,
      steps,
      reward: 0,
      feedback: 'f',
      previousHintsVerbatim: true,
    });
    expect(user.content.startsWith('--- Previous hints ---\n\nHints: no hint available.\n\n\n')).toBe(true);
  });

  it('PDE: no Reward line, three newlines before the feedback, the protocol reminder (pde update_context_workflow.py @ 139d1c43)', () => {
    const t = promptsFor(paper, 'pde');
    expect(promptsFor(paper, 'frozenlake')).toBe(paper.prompts);
    const [, user] = renderUpdateMessages(t, {
      previousHints: 'Hints: - a',
      rules: RULES,
      steps: steps.slice(0, 1),
      reward: 0.5,
      feedback: 'Committed.',
      previousHintsVerbatim: true,
    });
    expect(user.content).not.toMatch(/Reward:/);
    expect(user.content).toContain(
      '<answer>Direction 2</answer>\n\n\nEnvironment feedback: Committed.\n\n--- Your job ---',
    );
    expect(user.content.endsWith('write anything after the end delimiter.\n')).toBe(true);
    expect(user.content).toContain('system prompt.\n\n\nProtocol reminder: after your brief reasoning');
    // The workbench's protocol keeps one template for every domain.
    expect(promptsFor(lifecycleConfig(), 'pde')).toBe(lifecycleConfig().prompts);
  });

  it('budgets: 2000 hard for both calls, a 1000-token length line in training and 1500 in evaluations', () => {
    expect(paper.solveMaxNewTokens).toBe(2000);
    expect(paper.updateMaxNewTokens).toBe(2000);
    expect(paper.lengthInstructionTokens).toBe(1000);
    expect(PAPER_BUDGETS).toEqual({
      train: { maxNewTokens: 2000, lengthTokens: 1000 },
      eval: { maxNewTokens: 2000, lengthTokens: 1500 },
    });
    const { curriculum } = parseCurriculum(
      'name: p\nlifecycle:\n  protocol: paper\ntrain:\n  domains:\n    - id: frozenlake\n',
      'p.yaml',
    );
    expect(curriculumLifecycleConfig(curriculum).lengthInstructionTokens).toBe(1000);
    expect(curriculumLifecycleConfig(curriculum, 'notes', 'eval').lengthInstructionTokens).toBe(1500);
    expect(curriculumLifecycleConfig(curriculum).protocol).toBe('paper');
    // A curriculum without a protocol is the workbench's, unchanged: no length line unless asked.
    const own = parseCurriculum('name: w\ntrain:\n  domains:\n    - id: frozenlake\n', 'w.yaml').curriculum;
    expect(curriculumLifecycleConfig(own, 'notes', 'eval').lengthInstructionTokens).toBeUndefined();
    expect(curriculumLifecycleConfig(own).protocol).toBe('workbench');
    expect(() =>
      parseCurriculum('name: x\nlifecycle:\n  protocol: trinity\ntrain:\n  domains:\n    - id: frozenlake\n', 'x.yaml'),
    ).toThrow(/x\.yaml:3:\d+: lifecycle\.protocol/);
  });
});

describe('paper protocol: PDE budgets (train/pde_discovery_cod_600steps_hard.yaml @ 139d1c43, bench/eval_source_checkpoints_all_domains.yaml @ 1d7fae4a)', () => {
  it('4000 hard for solve and update, a 4000-token length line in training and evaluations; other domains unchanged', () => {
    expect(PAPER_DOMAIN_BUDGETS.pde).toEqual({
      train: { maxNewTokens: 4000, lengthTokens: 4000 },
      eval: { maxNewTokens: 4000, lengthTokens: 4000 },
    });
    const pdeTrain = { solveMaxNewTokens: 4000, updateMaxNewTokens: 4000, lengthInstructionTokens: 4000 };
    expect(budgetsFor(paper, 'pde')).toEqual(pdeTrain);
    expect(budgetsFor(lifecycleConfig({ protocol: 'paper', phase: 'eval' }), 'pde')).toEqual(pdeTrain);
    expect(budgetsFor(paper, 'frozenlake')).toEqual({
      solveMaxNewTokens: 2000,
      updateMaxNewTokens: 2000,
      lengthInstructionTokens: 1000,
    });
    expect(budgetsFor(lifecycleConfig({ protocol: 'paper', phase: 'eval' }), 'alchemy').lengthInstructionTokens).toBe(
      1500,
    );
    expect(maxNewTokensOf(paper)).toBe(4000);
    // The workbench's protocol and the compact rendering have no per-domain budgets: PDE as every domain.
    for (const own of [lifecycleConfig(), lifecycleConfig({ protocol: 'paper', rendering: 'compact' })]) {
      expect(own.domainBudgets).toEqual({});
      expect(budgetsFor(own, 'pde')).toEqual(budgetsFor(own, 'frozenlake'));
      expect(maxNewTokensOf(own)).toBe(Math.max(own.solveMaxNewTokens, own.updateMaxNewTokens));
    }
    // A curriculum's explicit budgets hold for every domain, as the reference's one config does.
    const set = lifecycleConfig({ protocol: 'paper', solveMaxNewTokens: 2000, lengthInstructionTokens: 1000 });
    expect(budgetsFor(set, 'pde')).toEqual({
      solveMaxNewTokens: 2000,
      updateMaxNewTokens: 4000,
      lengthInstructionTokens: 1000,
    });
    const { curriculum } = parseCurriculum(
      'name: p\nlifecycle:\n  protocol: paper\ntrain:\n  domains:\n    - id: pde\n      preset: paper\n',
      'p.yaml',
    );
    expect(budgetsFor(curriculumLifecycleConfig(curriculum), 'pde').lengthInstructionTokens).toBe(4000);
    expect(budgetsFor(curriculumLifecycleConfig(curriculum, 'notes', 'eval'), 'pde').lengthInstructionTokens).toBe(
      4000,
    );
    expect(
      budgetsFor(curriculumLifecycleConfig(curriculum, 'notes', 'eval'), 'frozenlake').lengthInstructionTokens,
    ).toBe(1500);
    expect(() => lifecycleConfig({ phase: 'test' as 'eval' })).toThrow(/unknown phase 'test'/);
  });
});

describe('paper protocol: Optimal Control budgets (train/optimal_control_improve.yaml @ 1d7fae4a, bench/eval_source_checkpoints_all_domains.yaml @ 1d7fae4a)', () => {
  it('4000 hard for solve and update, a 4000-token length line in training and evaluations', () => {
    const fourK = { solveMaxNewTokens: 4000, updateMaxNewTokens: 4000, lengthInstructionTokens: 4000 };
    expect(budgetsFor(paper, 'control')).toEqual(fourK);
    expect(budgetsFor(lifecycleConfig({ protocol: 'paper', phase: 'eval' }), 'control')).toEqual(fourK);
    // The workbench's own protocol keeps one budget for every domain.
    expect(budgetsFor(lifecycleConfig(), 'control')).toEqual(budgetsFor(lifecycleConfig(), 'frozenlake'));
    const { curriculum } = parseCurriculum(
      'name: c\nlifecycle:\n  protocol: paper\ntrain:\n  domains:\n    - id: control\n      preset: paper\n',
      'c.yaml',
    );
    expect(budgetsFor(curriculumLifecycleConfig(curriculum), 'control')).toEqual(fourK);
    expect(budgetsFor(curriculumLifecycleConfig(curriculum, 'notes', 'eval'), 'control')).toEqual(fourK);
  });
});

describe('paper protocol: Grid Navigation budgets (train/grid_navigation_27b.yaml @ 139d1c43, bench/eval_source_checkpoints_all_domains.yaml @ 1d7fae4a)', () => {
  it('3999 hard in training and 4000 in evaluations, a 4000-token length line in both', () => {
    expect(budgetsFor(paper, 'gridnav')).toEqual({
      solveMaxNewTokens: 3999,
      updateMaxNewTokens: 3999,
      lengthInstructionTokens: 4000,
    });
    expect(budgetsFor(lifecycleConfig({ protocol: 'paper', phase: 'eval' }), 'gridnav')).toEqual({
      solveMaxNewTokens: 4000,
      updateMaxNewTokens: 4000,
      lengthInstructionTokens: 4000,
    });
    expect(budgetsFor(lifecycleConfig(), 'gridnav')).toEqual(budgetsFor(lifecycleConfig(), 'frozenlake'));
    // An explicit budget still holds for every domain.
    expect(budgetsFor(lifecycleConfig({ protocol: 'paper', solveMaxNewTokens: 2000 }), 'gridnav')).toEqual({
      solveMaxNewTokens: 2000,
      updateMaxNewTokens: 3999,
      lengthInstructionTokens: 4000,
    });
  });

  it('FrozenLake, Alchemy and Terminal keep the paper defaults (frozen_lake_obscure.yaml @ 041ef5cf, eval_terminal.yaml @ 1d7fae4a)', () => {
    expect(Object.keys(PAPER_DOMAIN_BUDGETS).sort()).toEqual(['control', 'gridnav', 'pde']);
    for (const domain of ['frozenlake', 'alchemy', 'terminal']) {
      expect(budgetsFor(paper, domain)).toEqual({
        solveMaxNewTokens: 2000,
        updateMaxNewTokens: 2000,
        lengthInstructionTokens: 1000,
      });
      expect(budgetsFor(lifecycleConfig({ protocol: 'paper', phase: 'eval' }), domain)).toEqual({
        solveMaxNewTokens: 2000,
        updateMaxNewTokens: 2000,
        lengthInstructionTokens: 1500,
      });
    }
  });
});

describe('paper protocol: the PDE solve conversation (pde_discovery/workflow.py @ 139d1c43, _compress_memory)', () => {
  const SUMMARIZE = 'checking\n<answer>\n<summarize_pack_evidence/>\n</answer>';
  /** Asks for the pack summary six times (the task's 6 steps), then writes a hint. */
  async function play(preset: string) {
    const host = new InProcessEnvHost([pde]);
    const requests: PolicyRequest[] = [];
    const policy: Policy = {
      name: 'summarizer',
      async respond(batch) {
        requests.push(...batch);
        return batch.map((r) => ({
          text: r.kind === 'solve' ? SUMMARIZE : `${HINTS_START}\n- sample first\n${HINTS_END}`,
        }));
      },
    };
    const packs = planPacks({
      datasetId: 'c',
      domain: 'pde',
      preset,
      split: 'eval',
      strategy: 'cod',
      packSize: 2,
      count: 1,
    });
    await runRollout({ host, policy, packs, groupSize: 1, config: paper });
    await host.dispose();
    return requests;
  }
  const users = (r: PolicyRequest) => r.messages.filter((m) => m.role === 'user').map((m) => m.content);

  it('shows old feedback as "[History compressed.]", the last three user turns whole; 4000-token budgets', async () => {
    const requests = await play('paper');
    const solve = requests.filter((r) => r.kind === 'solve' && r.position === 0);
    expect(solve).toHaveLength(6);
    expect(solve.every((r) => r.maxNewTokens === 4000)).toBe(true);
    expect(solve[0].messages[0].content).toMatch(
      /\n\n## Response length limit\nPlease limit your response \(including your thinking process\) to 4000 tokens\.$/,
    );
    const update = requests.find((r) => r.kind === 'update')!;
    expect(update.maxNewTokens).toBe(4000);
    expect(update.messages[0].content.endsWith('\n\nPlease limit your response to 4000 tokens.')).toBe(true);
    // Request 6 holds 6 user turns: the 1st has no feedback (whole), the 2nd and 3rd compressed, 4th-6th whole.
    const last = users(solve[5]);
    const whole = users(solve[5 - 1]).concat(last.slice(-1));
    expect(last).toHaveLength(6);
    expect(last[0]).toContain('No action has been taken in this task yet.');
    for (const k of [1, 2]) {
      expect(last[k]).toBe(
        `Task 1/2 | Step ${k + 1}/6\nPoint budget: 6/6 remaining\n\nTask: Discover the nonlinear reaction term f(u) in ` +
          'partial_t u = partial_xx u + f(u) using active sampling, sparse regression, and scientific context.\n\n' +
          'Datasets: none\nLatest sampled-data max error: none\n\n\nAction feedback:\n[History compressed.]',
      );
    }
    for (const k of [3, 4, 5]) {
      expect(last[k]).toBe(whole[k]);
      expect(last[k]).toContain('Action feedback:\nPack evidence summary: no prior task evidence has been recorded');
    }
    // Responses stay whole (context_compression_mode keep_all).
    expect(solve[5].messages.filter((m) => m.role === 'assistant').every((m) => m.content === SUMMARIZE)).toBe(true);
  });

  it("only PDE's paper presets shorten the conversation; every other preset of every domain keeps its turns whole", async () => {
    const host = new InProcessEnvHost();
    for (const d of listDomains()) {
      for (const preset of d.presets) {
        const h = await host.openPack(d.id, { seed: 'h', preset, rendering: 'chat', packSize: 2 });
        const start = await h.startTask(0);
        const paperPde = d.id === 'pde' && preset.startsWith('paper');
        expect([d.id, preset, start.historyCompression]).toEqual([
          d.id,
          preset,
          paperPde ? PAPER_PDE_HISTORY : undefined,
        ]);
        await h.close();
      }
    }
    await host.dispose();
  });
});

describe('paper protocol: a lifecycle', () => {
  const host = new InProcessEnvHost([hiddenOffsetDomain]);
  const packs = planPacks({
    datasetId: 'paper',
    domain: 'hidden-offset',
    preset: 'train',
    split: 'eval',
    strategy: 'cod',
    packSize: 3,
    count: 1,
  });

  /** The scripted oracle, except that its first update writes an empty hints block. */
  function recording(): { policy: Policy; requests: PolicyRequest[] } {
    const oracle = new ScriptedPolicy(hiddenOffsetDomain, { kind: 'oracle', seed: 't' });
    const requests: PolicyRequest[] = [];
    const policy: Policy = {
      name: 'recording',
      async respond(batch: readonly PolicyRequest[]): Promise<PolicyResponse[]> {
        requests.push(...batch);
        const out = await oracle.respond(batch);
        return batch.map((r, i) =>
          r.kind === 'update' && r.position === 0 ? { text: `nothing learned\n${HINTS_START}\n${HINTS_END}` } : out[i],
        );
      },
    };
    return { policy, requests };
  }

  it("opens each pack with its index in the suite (the PDE bench's template assignment reads it)", async () => {
    const seen: number[] = [];
    const recordingDomain: DomainWithAgents = {
      ...hiddenOffsetDomain,
      openPack(a) {
        seen.push(a.packIndex ?? -1);
        return hiddenOffsetDomain.openPack(a);
      },
    };
    const three = planPacks({
      datasetId: 'ix',
      domain: 'hidden-offset',
      preset: 'train',
      split: 'eval',
      strategy: 'cod',
      packSize: 1,
      count: 3,
    });
    const oracle = new ScriptedPolicy(recordingDomain, { kind: 'oracle', seed: 't' });
    await runRollout({
      host: new InProcessEnvHost([recordingDomain]),
      policy: oracle,
      packs: three,
      groupSize: 1,
      config: paper,
    });
    expect(seen.sort()).toEqual([0, 1, 2]);
  });

  it('asks for no stop strings, shows z_0 as Hints: null, scores an empty hints block -0.1', async () => {
    const { policy, requests } = recording();
    const { lifecycles } = await runRollout({ host, policy, packs, groupSize: 1, config: paper });
    const [l] = lifecycles;
    expect(requests.every((r) => r.stop.length === 0)).toBe(true);
    expect(l.updateRewards[0]).toBe(-0.1);
    expect(l.hintParseOk[0]).toBe(false);
    expect(l.hints[1]).toBe(HINTS_UNAVAILABLE);
    const firstUpdate = requests.find((r) => r.kind === 'update' && r.position === 0)!;
    expect(firstUpdate.messages[1].content.startsWith('--- Previous hints ---\n\nHints: null\n\n\n')).toBe(true);
    expect(firstUpdate.messages[0].content.endsWith('Please limit your response to 1000 tokens.')).toBe(true);
    const secondUpdate = requests.find((r) => r.kind === 'update' && r.position === 1)!;
    expect(secondUpdate.messages[1].content).toContain('\n\nHints: no hint available.\n\n\n');

    // The same lifecycle under the workbench's protocol: stop strings, the empty block accepted.
    const own = recording();
    const w = await runRollout({ host, policy: own.policy, packs, groupSize: 1, config: lifecycleConfig() });
    expect(own.requests.every((r) => r.stop.length === 1)).toBe(true);
    expect(w.lifecycles[0].updateRewards[0]).toBe(0);
    expect(own.requests.find((r) => r.kind === 'update')!.messages[1].content).toContain(
      '(No previous hint available)',
    );
  });
});

describe('paper curricula (resources/curricula/paper-setting-*.yaml)', () => {
  const dir = fileURLToPath(new URL('../../../resources/curricula/', import.meta.url));
  // Presets checked against the real registry, the training section against the trainer's own schema.
  const opts = {
    knownDomains: listDomains().map((d) => ({ id: d.id, presets: d.presets })),
    trainingSchema: trainerConfigSchema,
  };

  it.each(['paper-setting-a.yaml', 'paper-setting-b.yaml'])(
    '%s validates and carries the reference hyperparameters',
    (f) => {
      const { curriculum: c } = loadCurriculum(path.join(dir, f), opts);
      expect(c.lifecycle).toMatchObject({
        protocol: 'paper',
        lengthInstructionTokens: 1000,
        evalLengthInstructionTokens: 1500,
      });
      expect(c.train).toMatchObject({ packSize: 4, groupSize: 8, packsPerStep: 8, packStrategy: 'cod' });
      expect(c.train.domains.every((d) => d.preset === 'paper')).toBe(true);
      const t = trainerConfigSchema.parse(c.training);
      expect(t).toMatchObject({
        lr: 1e-6,
        loss: 'rec',
        epsLow: 0.2,
        epsHigh: 0.2,
        aheadSteps: 4,
        maxStaleness: 20,
        evalEvery: 20,
      });
      expect(c.evals.every((e) => e.packSize === 8 && e.packs === 500 && e.seeds.join() === '1,2,3')).toBe(true);
      expect(c.evals.every((e) => e.preset.startsWith('paper'))).toBe(true);
      const lc = curriculumLifecycleConfig(c);
      expect([lc.protocol, lc.solveMaxNewTokens, lc.updateMaxNewTokens, lc.lengthInstructionTokens]).toEqual([
        'paper',
        2000,
        2000,
        1000,
      ]);
      expect(curriculumLifecycleConfig(c, 'notes', 'eval').lengthInstructionTokens).toBe(1500);
      expect(parseCurriculum(stringifyCurriculum(c), f, opts).curriculum).toEqual(c);
    },
  );

  it("setting A trains FrozenLake; B mixes FrozenLake and Alchemy; both evaluate the paper's suites", () => {
    const a = loadCurriculum(path.join(dir, 'paper-setting-a.yaml'), opts).curriculum;
    const b = loadCurriculum(path.join(dir, 'paper-setting-b.yaml'), opts).curriculum;
    expect(a.train.domains.map((d) => d.id)).toEqual(['frozenlake']);
    expect(b.train.domains.map((d) => d.id)).toEqual(['frozenlake', 'alchemy']);
    const suites = (c: typeof a) => c.evals.map((e) => [e.kind, e.domain, e.preset, e.packStrategy]);
    expect(suites(a)).toEqual([
      ['in_domain_hard', 'frozenlake', 'paper-hard', 'cod'],
      ['cross_domain', 'alchemy', 'paper', 'cod'],
      ['cross_domain', 'terminal', 'paper', 'cod'],
      ['ralph', 'terminal', 'paper', 'ralph_sample'],
    ]);
    expect(suites(b)).toEqual([
      ['in_domain_hard', 'frozenlake', 'paper-hard', 'cod'],
      ['in_domain_hard', 'alchemy', 'paper-hard', 'cod'],
      ['cross_domain', 'terminal', 'paper', 'cod'],
      ['ralph', 'terminal', 'paper', 'ralph_sample'],
    ]);
  });
});

describe('paper protocol: trajectories the reference builds itself', () => {
  async function firstUpdate(domain: DomainWithAgents, protocol: 'paper' | 'workbench') {
    const host = new InProcessEnvHost([domain]);
    const requests: PolicyRequest[] = [];
    const oracle = new ScriptedPolicy(domain, { kind: 'oracle', seed: 't' });
    const policy: Policy = {
      name: 'recording',
      async respond(batch) {
        requests.push(...batch);
        return oracle.respond(batch);
      },
    };
    const packs = planPacks({
      datasetId: 'traj',
      domain: domain.id,
      preset: 'paper',
      split: 'eval',
      strategy: 'cod',
      packSize: 2,
      count: 1,
    });
    await runRollout({ host, policy, packs, groupSize: 1, config: lifecycleConfig({ protocol }) });
    await host.dispose();
    return requests.find((r) => r.kind === 'update')!.messages[1].content;
  }

  it("GridNav's final state follows the steps (grid_navigation/workflow.py @ 139d1c43, _build_trajectory)", async () => {
    const user = await firstUpdate(gridNav, 'paper');
    expect(user).toMatch(
      /Action: [^\n]*\n[\s\S]*\n\nFinal environment state:\nPosition: \(\d+, \d+\)\nTarget: \(\d+, \d+\)\n/,
    );
    expect(await firstUpdate(gridNav, 'workbench')).not.toContain('Final environment state:');
  });

  it("Control's trajectory is system, task, submitted expression (optimalcontrol/workflow.py @ 139d1c43, _build_rollout_trajectory)", async () => {
    const user = await firstUpdate(control, 'paper');
    expect(user).toContain(
      '--- A new task-solving trajectory ---\n\nSystem:\nYou are solving a one-dimensional optimal-control problem',
    );
    expect(user).toContain('\n\nTask:\nInitial state: x_0 = ');
    expect(user).toMatch(
      /\n\nSubmitted action expression:\n<answer>\n {2}<action_expression>\n {4}[^\n]+\n {2}<\/action_expression>\n<\/answer>\n\nReward: /,
    );
    expect(user).not.toContain('Step 1:');
  });
});
