/**
 * A compute worker thread (main/workers/host.ts) once closed: a call still waiting and any call made after the close
 * fail at once with one clear error, instead of never settling (a stopped `cod eval` then exited 13, "unsettled
 * top-level await", instead of 130, when a sampler batch was gathered just before the stop).
 */
import { describe, expect, it } from 'vitest';
import { BUILTIN_MODEL_DIR } from '../../main/training/locations.ts';
import { ThreadWorkerHost } from '../../main/workers/host.ts';

describe('a closed worker', () => {
  it('fails the call it was answering and every later call at once', async () => {
    const worker = await new ThreadWorkerHost().start('policy', {
      modelDir: BUILTIN_MODEL_DIR,
      threads: 1,
      temperature: 1,
    });
    // A call the worker has not answered yet when it is closed (it is still loading or sampling).
    const waiting = worker.call('sample', [{ promptIds: [1, 2, 3], maxNewTokens: 64, seed: 1 }]);
    const settled = waiting.then(
      () => 'answered',
      (e: Error) => e.message,
    );
    await worker.close();
    const t = Date.now();
    await expect(worker.call('sample', [])).rejects.toThrow(/policy worker closed/);
    expect(await settled).toMatch(/answered|policy worker closed/);
    expect(Date.now() - t).toBeLessThan(1_000);
  }, 60_000);
});
