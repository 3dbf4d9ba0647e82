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
});
