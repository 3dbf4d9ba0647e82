import { describe, expect, it } from 'vitest';
import type { LifecycleResult } from '../../../main/cod/records.ts';
import { lifecycleRow } from '../../../main/training/sample-row.ts';

const lifecycle = (over: Partial<LifecycleResult> = {}): LifecycleResult => ({
  lifecycleId: 'l1',
  packId: 'p1',
  domain: 'frozenlake',
  preset: 'train',
  strategy: 'cod',
  rolloutIndex: 2,
  memory: 'notes',
  tasks: [4, 7, 1, 9],
  taskRewards: [1, 0, 0.9, 0.8],
  outcomes: [],
  envSteps: [],
  updateRewards: [0.5, 0.6, 0.8],
  hintParseOk: [true, true, true],
  hints: ['Hints: null', 'Hints: a', 'Hints: b', 'Hints: c'],
  records: [],
  ...over,
});

describe('lifecycleRow', () => {
  it('keeps one reward per pack position: a failed lifecycle is padded with null, and its error is kept', () => {
    expect(lifecycleRow(lifecycle(), 'l1', { split: 'train' })).toEqual({
      id: 'l1',
      packId: 'p1',
      domain: 'frozenlake',
      rolloutIndex: 2,
      split: 'train',
      rewards: [1, 0, 0.9, 0.8],
      updateRewards: [0.5, 0.6, 0.8],
      hints: ['Hints: null', 'Hints: a', 'Hints: b', 'Hints: c'],
    });
    const failed = lifecycleRow(
      lifecycle({ taskRewards: [1, 0], error: { code: 'env_fault', message: 'the plugin crashed' } }),
      'l1@5',
      { split: 'eval', suite: 'fl', checkpointStep: 5 },
    );
    expect(failed).toMatchObject({
      id: 'l1@5',
      split: 'eval',
      suite: 'fl',
      checkpointStep: 5,
      rewards: [1, 0, null, null],
      error: 'env_fault: the plugin crashed',
    });
  });
});
