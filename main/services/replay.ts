/**
 * Replay: a run's lifecycles and one lifecycle in full, its response tokens split with the run's own tokenizer
 * (from the checkpoint directory nearest the lifecycle's step) so the UI can colour each token by its log-prob or
 * advantage. Without a tokenizer the ids are still there, and the UI says so.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { LifecycleRow, LifecycleView } from '../api/types.ts';
import { loadTokenizer, TOKENIZER_FILE, type Tokenizer } from '../models/tokenizer/tokenizer.ts';
import type { LifecycleFilter, RunStore, SampleRecord } from '../store/index.ts';
import { hintBody } from '../cod/hints.ts';
import { runConfigView } from '../training/run-session.ts';
import { lifecycleRow, sampleView } from './convert.ts';

/**
 * A lifecycle stored before samples kept the environment's feedback (store schema 1): each position's feedback as
 * its update episode's prompt told it (the templates' 'Environment feedback:' line, main/cod/prompts.ts).
 */
function legacyFeedback(samples: readonly SampleRecord[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const s of samples) {
    if (s.kind !== 'update') continue;
    const m = /Environment feedback:\s*([^\n]*)/.exec(s.messages.map((x) => x.content).join('\n'));
    if (m) out.set(s.position, m[1]);
  }
  return out;
}

export class ReplayService {
  private readonly tokenizers = new Map<string, Promise<Tokenizer | null>>();

  constructor(private readonly store: RunStore) {}

  list(runId: string, filter: LifecycleFilter): LifecycleRow[] {
    return this.store.listLifecycles(runId, { limit: 500, ...filter }).map(lifecycleRow);
  }

  async get(id: number): Promise<LifecycleView> {
    const l = this.store.getLifecycle(id);
    const tok = await this.tokenizerFor(l.runId, l.checkpointStep ?? l.step);
    const legacy = l.samples.every((s) => s.feedback === null) ? legacyFeedback(l.samples) : undefined;
    return {
      ...lifecycleRow(l),
      hints: l.hints.map(hintBody),
      samples: l.samples.map((s) => {
        const view = sampleView(s, tok && s.responseIds ? Array.from(s.responseIds, (t) => tok.decode([t])) : null);
        const told = s.kind === 'solve' ? legacy?.get(s.position) : undefined;
        return told !== undefined ? { ...view, feedback: told } : view;
      }),
    };
  }

  /** Candidate model dirs: the latest checkpoint at or before `step`, then the model the run started from. */
  private async tokenizerFor(runId: string, step: number): Promise<Tokenizer | null> {
    const cps = this.store.listCheckpoints(runId).filter((c) => c.step <= step);
    const run = this.store.getRun(runId);
    const model = runConfigView(run.config).model;
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
