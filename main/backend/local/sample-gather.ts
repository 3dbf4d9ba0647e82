/**
 * Sample calls gathered into one sampler batch, in an order set by their content. The sampler's numbers depend on
 * which requests share a batch and in which rows (onnxruntime's GEMM kernels round a row differently by its place in
 * the matrix: log-probs move by ~5e-6 between batchings, scripts/sampler-batch-probe.ts), so for a run to be
 * reproducible — and the same in process as through `cod backend serve` — a batch must not depend on timing. Calls
 * are gathered: those made in the same tick (a policy's batch, in process), or with `gatherMs` those arriving within
 * that many milliseconds of the previous one (a server's requests come one by one); then each weight version's calls
 * go to the sampler as one batch sorted by seed and prompt.
 */
export interface SampleCall<Req> {
  /** Which weights sample it. */
  readonly key: string;
  readonly seed: number;
  readonly prompt: readonly number[];
  readonly reqs: readonly Req[];
}

interface Pending<Req, Res> extends SampleCall<Req> {
  readonly resolve: (r: Res[]) => void;
  readonly reject: (e: unknown) => void;
}

function byContent(a: SampleCall<unknown>, b: SampleCall<unknown>): number {
  if (a.seed !== b.seed) return a.seed - b.seed;
  if (a.prompt.length !== b.prompt.length) return a.prompt.length - b.prompt.length;
  for (let i = 0; i < a.prompt.length; i++) if (a.prompt[i] !== b.prompt[i]) return a.prompt[i] - b.prompt[i];
  return 0;
}

export class SampleGather<Req, Res> {
  private pending: Array<Pending<Req, Res>> = [];
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private firstAt = 0;

  constructor(
    /** Samples one batch with the weights named `key`; one result per request, in order. */
    private readonly dispatch: (key: string, reqs: Req[]) => Promise<Res[]>,
    /** 0: gather the calls of one tick; else also those within gatherMs of the previous (at most 20× that). */
    private readonly gatherMs = 0,
  ) {}

  submit(call: SampleCall<Req>): Promise<Res[]> {
    return new Promise<Res[]>((resolve, reject) => {
      if (this.pending.length === 0) this.firstAt = Date.now();
      this.pending.push({ ...call, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.gatherMs <= 0) {
      this.timer ??= setImmediate(() => this.flush());
      return;
    }
    if (this.timer) clearTimeout(this.timer as NodeJS.Timeout);
    const left = this.firstAt + 20 * this.gatherMs - Date.now();
    this.timer = setTimeout(() => this.flush(), Math.max(0, Math.min(this.gatherMs, left)));
  }

  private flush(): void {
    this.timer = null;
    const calls = this.pending;
    this.pending = [];
    const keys = [...new Set(calls.map((c) => c.key))].sort();
    for (const key of keys) {
      const group = calls.filter((c) => c.key === key).sort(byContent);
      this.dispatch(
        key,
        group.flatMap((c) => c.reqs),
      ).then(
        (results) => {
          let at = 0;
          for (const c of group) {
            c.resolve(results.slice(at, at + c.reqs.length));
            at += c.reqs.length;
          }
        },
        (e: unknown) => {
          for (const c of group) c.reject(e);
        },
      );
    }
  }
}
