/**
 * `pretrain` on a worker thread, for tests: its engine steps, graph builds and tokenizer training are synchronous
 * stretches of seconds that would otherwise hold the test's vitest worker loop (tests/support/loop-guard.ts). The
 * thread reports every step and ends with the summary or the error's message; `abortAtStep` stops it after that
 * step through the same AbortSignal the CLI's Ctrl-C uses.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { PretrainOptions, PretrainSummary } from '../../main/training/pretrain.ts';

type Data = { options: Omit<PretrainOptions, 'onStep' | 'signal'>; abortAtStep?: number };
type Step = { step: number; stage: string; loss: number };
type Message =
  { kind: 'step'; step: Step } | { kind: 'done'; summary: PretrainSummary } | { kind: 'error'; message: string };

export async function pretrainInThread(
  options: Data['options'],
  o: { abortAtStep?: number; onStep?: (s: Step) => void } = {},
): Promise<PretrainSummary> {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const worker = new Worker(new URL(import.meta.url), {
    execArgv: ['--import', tsx, '--no-warnings=ExperimentalWarning'],
    workerData: { options, abortAtStep: o.abortAtStep } satisfies Data,
  });
  try {
    return await new Promise<PretrainSummary>((resolve, reject) => {
      worker.on('message', (m: Message) => {
        if (m.kind === 'step') o.onStep?.(m.step);
        else if (m.kind === 'done') resolve(m.summary);
        else reject(new Error(m.message));
      });
      worker.on('error', reject);
      worker.on('exit', (code) => reject(new Error(`pretrain thread exited with code ${code}`)));
    });
  } finally {
    await worker.terminate();
  }
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  const { options, abortAtStep } = workerData as Data;
  const ctl = new AbortController();
  const { pretrain } = await import('../../main/training/pretrain.ts');
  try {
    const summary = await pretrain({
      ...options,
      signal: ctl.signal,
      onStep: (p) => {
        port.postMessage({ kind: 'step', step: { step: p.step, stage: p.stage, loss: p.loss } } satisfies Message);
        if (p.step === abortAtStep) ctl.abort();
      },
    });
    port.postMessage({ kind: 'done', summary } satisfies Message);
  } catch (e) {
    port.postMessage({ kind: 'error', message: (e as Error).message } satisfies Message);
  }
}
