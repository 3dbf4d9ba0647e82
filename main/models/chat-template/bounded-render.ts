/**
 * Rendering chat templates within the input budget. A chat template is code from a model directory, and any model
 * directory reaches it (generate, eval, the trainer, import); @huggingface/jinja has no limits, so a template with a
 * huge loop used 1.2 GB in 9 s. Renders therefore run in one worker thread per process, which is what can be bounded
 * whatever the template does:
 *  - time: the caller waits at most LIMITS.templateRenderMs, then terminates the thread (V8 stops running code);
 *  - memory: the thread's heap is capped (resourceLimits), so one filter call building a huge string kills the
 *    thread, not the process;
 *  - work and output: the thread's interpreter counts steps, rendered characters and range() lengths, so the usual
 *    bombs are refused at once with a message naming the limit (render-worker.ts).
 * An output-length guard in process alone would not stop `range(10**9)` or a slow loop that prints nothing; a worker
 * per call would cost ~50 ms a render. The wait is synchronous (Atomics.wait on a shared flag, then
 * receiveMessageOnPort), so ChatRenderer keeps its synchronous API and none of its callers change; a batch of
 * renders is one round trip (~0.1 ms).
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { LIMITS } from '../../base/budget.ts';
import { CodError } from '../../base/errors.ts';
import { tsxExecArgv } from '../thread-entry.ts';
import type { RenderLimits, RenderReply, RenderRequest } from './render-worker.ts';

const ENTRY = new URL('./render-worker.ts', import.meta.url);
/** Starting the thread (tsx and @huggingface/jinja load) is not the template's time. */
const START_TIMEOUT_MS = 60_000;

const RENDER_LIMITS: RenderLimits = {
  steps: LIMITS.templateSteps,
  outputChars: LIMITS.templateOutputChars,
  rangeItems: LIMITS.templateRangeItems,
};

class RenderThread {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag: Int32Array;
  private next = 1;

  constructor() {
    const { port1, port2 } = new MessageChannel();
    const shared = new SharedArrayBuffer(8);
    this.flag = new Int32Array(shared);
    this.port = port1;
    this.worker = new Worker(ENTRY, {
      execArgv: tsxExecArgv(),
      workerData: { port: port2, flag: shared, limits: RENDER_LIMITS },
      transferList: [port2],
      resourceLimits: { maxOldGenerationSizeMb: LIMITS.templateHeapMb, maxYoungGenerationSizeMb: 16 },
    });
    // Neither keeps a process alive; a thread that dies is replaced at the next render.
    this.worker.unref();
    this.port.unref();
    this.worker.on('error', () => undefined);
  }

  /** Waits (blocking) until flag[slot] is `value` or `ms` pass; false on timeout. */
  private wait(slot: number, value: number, ms: number): boolean {
    const end = Date.now() + ms;
    for (;;) {
      const now = Atomics.load(this.flag, slot);
      if (now === value) return true;
      const left = end - Date.now();
      if (left <= 0) return false;
      Atomics.wait(this.flag, slot, now, left);
    }
  }

  render(source: string, contexts: readonly Record<string, unknown>[], where: string): string[] {
    if (!this.wait(1, 1, START_TIMEOUT_MS)) {
      this.stop();
      throw new CodError('internal', `the chat template worker did not start within ${START_TIMEOUT_MS} ms`, where);
    }
    const id = this.next++;
    this.port.postMessage({ id, source, contexts } satisfies RenderRequest);
    const answered = this.wait(0, id, LIMITS.templateRenderMs);
    const msg = answered ? (receiveMessageOnPort(this.port)?.message as RenderReply | undefined) : undefined;
    if (!msg || msg.id !== id) {
      this.stop();
      throw new CodError(
        'bad_input',
        `chat template rendering stopped: over the limit of ${LIMITS.templateRenderMs} ms or ${LIMITS.templateHeapMb} MB`,
        where,
      );
    }
    if (!msg.ok) throw new CodError('bad_input', `chat template failed to render: ${msg.message}`, where);
    return msg.texts;
  }

  stop(): void {
    if (thread === this) thread = null;
    void this.worker.terminate();
    this.port.close();
  }
}

let thread: RenderThread | null = null;

/** Renders `source` once per context, in order; over budget or failing is one CodError naming `where`. */
export function renderBounded(source: string, contexts: readonly Record<string, unknown>[], where: string): string[] {
  thread ??= new RenderThread();
  return thread.render(source, contexts, where);
}
