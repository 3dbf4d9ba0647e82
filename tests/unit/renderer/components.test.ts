// @vitest-environment happy-dom
/**
 * Components and stores in a DOM. The stores talk to a real workbench (real services over a real store in a temp
 * COD_HOME) through an in-process ApiClient, so what they show is what the server answers.
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nextTick } from 'vue';
import { ApiError, type ApiClient } from '../../../main/api/client.ts';
import type { ApiEvent } from '../../../main/api/types.ts';
import { createWorkbench, type Workbench } from '../../../main/services/workbench.ts';
import HintDiff from '../../../renderer/src/components/HintDiff.vue';
import TokenText from '../../../renderer/src/components/TokenText.vue';
import { setApi } from '../../../renderer/src/api/index.ts';
import { useCurriculaStore } from '../../../renderer/src/stores/curricula.ts';
import { useReplayStore } from '../../../renderer/src/stores/replay.ts';
import { writeReplayRun } from '../../support/recorded-runs.ts';
import { tempDir } from '../../support/temp.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');

function inProcessClient(wb: Workbench): ApiClient {
  return {
    async call(method, params) {
      const a = await wb.handle(method, JSON.parse(JSON.stringify(params)));
      if (!a.ok) throw new ApiError(a.error);
      return JSON.parse(JSON.stringify(a.result));
    },
    onEvent: (fn: (e: ApiEvent) => void) => wb.onEvent(fn),
  };
}

describe('HintDiff', () => {
  it('shows dropped and added lines', () => {
    const w = mount(HintDiff, { props: { before: 'Hints: null', after: 'Hints: - code 2 = Right' } });
    expect(w.findAll('.del').map((d) => d.text())).toEqual(['−Hints: null']);
    expect(w.findAll('.add').map((d) => d.text())).toEqual(['+Hints: - code 2 = Right']);
  });
});

describe('TokenText', () => {
  const sample = {
    position: 0,
    kind: 'solve' as const,
    turn: 0,
    messages: [],
    response: 'ab',
    responseTokens: ['a', 'b'],
    responseIds: [1, 2],
    logprobs: [0, -3],
    advantages: [1, -1],
    reward: 1,
    return: 1,
    advantage: 1,
    outcome: 'success',
    hintBefore: null,
    hintAfter: null,
    feedback: null,
  };
  it('tints unlikely tokens by log-prob and signs advantages by colour', async () => {
    const w = mount(TokenText, { props: { sample, colourBy: 'logprob' } });
    const toks = w.findAll('.tok');
    expect(toks.map((t) => t.text())).toEqual(['a', 'b']);
    expect(toks[0].attributes('style')).toContain('0.000'); // p = 1: no tint
    expect(toks[1].attributes('style')).not.toContain(', 0.000)');
    await w.setProps({ colourBy: 'advantage' } as Record<string, unknown>);
    expect(w.findAll('.tok')[0].attributes('style')).toMatch(/hsla\(130/);
    expect(w.findAll('.tok')[1].attributes('style')).toMatch(/hsla\(0,/);
  });
});

describe('stores against a real workbench', () => {
  let home: string;
  let wb: Workbench;
  beforeEach(() => {
    home = tempDir('renderer');
    wb = createWorkbench({ appRoot: ROOT, codHome: home });
    setApi(inProcessClient(wb));
    setActivePinia(createPinia());
    localStorage.clear();
  });
  afterEach(() => wb.close());

  it('curricula: a failed save writes nothing, keeps every field and names the problems; a fixed one saves', async () => {
    const cur = useCurriculaStore();
    await cur.init();
    cur.newBlank();
    (cur.doc.train as Record<string, unknown>).packSize = 0;
    cur.doc.name = 'bad name!';
    cur.saveName = 'mine';
    await nextTick();
    expect(await cur.save()).toBe(false);
    expect(cur.saveError?.issues?.map((i) => i.field)).toEqual(expect.arrayContaining(['name', 'train.packSize']));
    expect(existsSync(path.join(home, 'curricula', 'mine.yaml'))).toBe(false);
    expect((cur.doc.train as Record<string, unknown>).packSize).toBe(0);
    expect(cur.doc.name).toBe('bad name!');
    // The form's edits are in the text, which is the draft that survives a reload of the page.
    expect(cur.text).toContain('name: bad name!');
    expect(JSON.parse(localStorage.getItem('cod.curriculum.draft')!).text).toContain('name: bad name!');

    (cur.doc.train as Record<string, unknown>).packSize = 3;
    cur.doc.name = 'mine';
    expect(await cur.save()).toBe(true);
    expect(readFileSync(path.join(home, 'curricula', 'mine.yaml'), 'utf8')).toContain('packSize: 3');
    expect(cur.presets.some((p) => p.name === 'mine' && p.source === 'user')).toBe(true);
  });

  it('curricula: a form edit of a preset keeps its comments; the saved file keeps them too', async () => {
    const cur = useCurriculaStore();
    await cur.init();
    await cur.load(cur.presets.find((p) => p.name === 'cpu-demo')!);
    expect(cur.mode).toBe('form');
    (cur.doc.train as Record<string, unknown>).groupSize = 8;
    await nextTick();
    expect(cur.text).toContain('  groupSize: 8 # the baseline is the mean of 4 rollouts');
    expect(cur.text.startsWith('# A run that finishes on a laptop')).toBe(true);
    cur.saveName = 'cpu-demo-g8';
    expect(await cur.save()).toBe(true);
    const saved = readFileSync(path.join(home, 'curricula', 'cpu-demo-g8.yaml'), 'utf8');
    expect(saved).toBe(cur.text);
    // An unknown domain typed into the form is one of the live check's problems, at its field.
    ((cur.doc.train as Record<string, unknown>).domains as Record<string, unknown>[])[0].id = 'frozenlak';
    await nextTick();
    await cur.runCheck();
    expect(cur.issuesAt('train.domains[0].id')[0]?.message).toMatch(/unknown domain 'frozenlak'/);
  });

  it('replay: opens the latest step, walks turns and positions, stays in bounds', async () => {
    const runId = writeReplayRun(wb.store.path);
    const r = useReplayStore();
    await r.openRun(runId);
    expect(r.step).toBe(1);
    expect(r.frames.map((f) => `${f.kind}${f.position}.${f.turn}`)).toEqual([
      'solve0.0',
      'solve0.1',
      'update0.0',
      'solve1.0',
    ]);
    r.move(-1);
    expect(r.frame).toBe(0);
    r.movePosition(1);
    expect(r.sample?.position).toBe(1);
    r.move(5);
    expect(r.frame).toBe(3);
    r.movePosition(-1);
    expect(r.frame).toBe(0);
    const first = r.current?.id;
    await r.moveLifecycle(1);
    expect(r.current?.id).not.toBe(first);
  });
});
