/**
 * Replay: a run's lifecycles and one lifecycle in full, its response tokens split with the run's own tokenizer
 * (from the checkpoint directory nearest the lifecycle's step) so the UI can colour each token by its log-prob or
 * advantage. Without a tokenizer the ids are still there, and the UI says so.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { LifecycleRow, LifecycleView } from '../api/types.ts';
import { loadTokenizer, TOKENIZER_FILE, type Tokenizer } from '../models/tokenizer/tokenizer.ts';
import type { LifecycleFilter, RunStore } from '../store/index.ts';
import { hintBody } from '../cod/hints.ts';
import { curriculumOfConfig, lifecycleRow, sampleView } from './convert.ts';

export class ReplayService {
  private readonly tokenizers = new Map<string, Promise<Tokenizer | null>>();

  constructor(private readonly store: RunStore) {}

  list(runId: string, filter: LifecycleFilter): LifecycleRow[] {
    return this.store.listLifecycles(runId, { limit: 500, ...filter }).map(lifecycleRow);
  }

  async get(id: number): Promise<LifecycleView> {
    const l = this.store.getLifecycle(id);
    const tok = await this.tokenizerFor(l.runId, l.checkpointStep ?? l.step);
    return {
      ...lifecycleRow(l),
      hints: l.hints.map(hintBody),
      samples: l.samples.map((s) =>
        sampleView(s, tok && s.responseIds ? Array.from(s.responseIds, (t) => tok.decode([t])) : null),
      ),
    };
  }

  /** Candidate model dirs: the latest checkpoint at or before `step`, then the model the run started from. */
  private async tokenizerFor(runId: string, step: number): Promise<Tokenizer | null> {
    const cps = this.store.listCheckpoints(runId).filter((c) => c.step <= step);
    const run = this.store.getRun(runId);
    const cfg = curriculumOfConfig(run.config) ?? run.config;
    const model =
      typeof run.config.model === 'string' ? run.config.model : typeof cfg.model === 'string' ? cfg.model : null;
    // Only the run's own model: another tokenizer would decode its ids into the wrong text.
    const dirs = [...cps.reverse().map((c) => c.path), model].filter(
      (d): d is string => typeof d === 'string' && existsSync(path.join(d, TOKENIZER_FILE)),
    );
    if (dirs.length === 0) return null;
    const dir = dirs[0];
    let t = this.tokenizers.get(dir);
    if (!t) {
      t = loadTokenizer(dir).catch(() => null);
      this.tokenizers.set(dir, t);
    }
    return t;
  }
}
