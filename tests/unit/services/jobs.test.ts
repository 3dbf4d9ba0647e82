/** Jobs: phases with their own time left, the whole job's time left, and stopping. */
import { describe, expect, it } from 'vitest';
import { CodError } from '../../../main/base/errors.ts';
import type { JobView } from '../../../main/api/types.ts';
import { Jobs } from '../../../main/services/jobs.ts';
import { Pace } from '../../../main/services/pace.ts';

describe('Pace', () => {
  it('tells the time left from the pace since the first count, not before a unit is done', () => {
    let t = 1000;
    const p = new Pace(() => t);
    expect(p.observe(0, 10)).toBeNull(); // first sighting: a start-up cost must not count
    t += 5000;
    expect(p.observe(0, 10)).toBeNull();
    t += 5000;
    expect(p.observe(2, 10)).toBe(40_000); // 10 s for 2 units, 8 left
    t += 10_000;
    expect(p.observe(6, 10)).toBe(13_333);
    expect(p.observe(10, 10)).toBe(0);
    // A count going back (a new phase reusing the pace) starts over.
    expect(p.observe(1, 10)).toBeNull();
  });
});

describe('Jobs', () => {
  it('announces every change; a new phase key restarts its timing; an ended job has no phase or ETA', () => {
    const heard: JobView[] = [];
    const jobs = new Jobs((j) => heard.push(j));
    let stopped = 0;
    const job = jobs.create('train', 'train x', { cancel: () => stopped++ });
    jobs.update(job.id, { state: 'running', progress: { done: 0, total: 5, unit: 'steps' } });
    const a = jobs.update(job.id, {
      phase: { key: 'eval:h:0', name: 'eval', label: 'evaluating h', done: 0, total: 8, unit: 'tasks' },
    });
    expect(a.phase).toMatchObject({ name: 'eval', done: 0, total: 8, unit: 'tasks', etaMs: null });
    const b = jobs.update(job.id, { phase: { key: 'train:1', name: 'train', label: 'training step 1' } });
    expect(b.phase).toMatchObject({ name: 'train', done: null, total: null, etaMs: null });
    expect(b.phase!.elapsedMs).toBeLessThan(1000);
    const c = jobs.cancel(job.id);
    expect([c.stopping, stopped]).toEqual([true, 1]);
    const d = jobs.update(job.id, { state: 'stopped' });
    expect([d.phase, d.etaMs, d.endedAt !== null]).toEqual([null, null, true]);
    expect(heard.map((j) => j.state)).toEqual(['starting', 'running', 'running', 'running', 'running', 'stopped']);
    // An ended job cannot be cancelled again, an unknown one is not found.
    expect(() => jobs.cancel(job.id)).toThrow(/already ended/);
    expect(() => jobs.cancel('train-00000000')).toThrow(CodError);
  });

  it('refuses a job over the limit of its kind at once with one line, and takes one again after one ends', () => {
    const jobs = new Jobs(() => {});
    const ids = [1, 2, 3, 4].map((i) => jobs.create('train', `train ${i}`, { cancel: () => {} }).id);
    jobs.create('compare', 'a vs b'); // comparisons count apart
    expect(() => jobs.create('train', 'train 5')).toThrow(
      'jobs: 4 trainers are running, the limit is 4 at once; stop one or wait for it to end',
    );
    jobs.update(ids[0], { state: 'failed', error: 'x' });
    expect(jobs.create('train', 'train 5').state).toBe('starting');
  });

  it('stopAll asks every job to stop, asks again after the grace, and reports those that never end', async () => {
    const jobs = new Jobs(() => {});
    const asked = new Map<string, number>();
    const ask = (id: () => string) => () => asked.set(id(), (asked.get(id()) ?? 0) + 1);
    let a = '';
    let b = '';
    let c = '';
    a = jobs.create('train', 'clean', { cancel: ask(() => a) }).id;
    b = jobs.create('train', 'stubborn', { cancel: ask(() => b) }).id;
    c = jobs.create('compare', 'never ends', { cancel: ask(() => c) }).id;
    const phases: string[] = [];
    const ending = jobs.stopAll(100, 100, { onProgress: (p) => phases.push(`${p.phase}:${p.waiting.length}`) });
    jobs.update(a, { state: 'stopped' }); // stopped at the first request
    await new Promise((r) => setTimeout(r, 150));
    jobs.update(b, { state: 'stopped' }); // stopped at the second
    const left = await ending;
    expect(left.map((j) => j.label)).toEqual(['never ends']);
    expect(phases).toEqual(['stopping:3', 'forcing:2']);
    expect([asked.get(a), asked.get(b), asked.get(c)]).toEqual([1, 2, 2]);
  });
});
