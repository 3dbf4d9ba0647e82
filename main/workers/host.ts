/**
 * The compute workers (main/backend/compute-workers.ts) as worker threads running this folder's entry
 * modules through tsx; calls go over the one request/response layer (main/base/rpc.ts).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CodError } from '../base/errors.ts';
import { messagePort, parseReply, RpcClient } from '../base/rpc.ts';
import type { WorkerHandle, WorkerHost, WorkerKind } from '../backend/compute-workers.ts';

const ENTRIES: Record<WorkerKind, URL> = {
  policy: new URL('./policy-worker.ts', import.meta.url),
  trainer: new URL('./train-worker.ts', import.meta.url),
};

/** tsx's loader, from this package (vitest's module runner has no import.meta.resolve; Node's require finds it). */
function tsxLoader(): string {
  return typeof import.meta.resolve === 'function'
    ? import.meta.resolve('tsx')
    : pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

export class ThreadWorkerHost implements WorkerHost {
  async start(kind: WorkerKind, init: unknown): Promise<WorkerHandle> {
    // The worker resolves tsx from this package, wherever the command was started.
    const worker = new Worker(ENTRIES[kind], {
      execArgv: ['--import', tsxLoader(), '--no-warnings=ExperimentalWarning'],
      workerData: init,
    });
    const port = messagePort(worker);
    const rpc = new RpcClient(port, { name: `${kind} worker` });
    port.onMessage((m) => {
      const reply = parseReply(m);
      if (reply) rpc.settle(reply);
    });
    let closed = false;
    const died = (e: CodError) => rpc.failAll(e, { dead: true });
    worker.on('error', (e) => died(new CodError('internal', `${kind} worker crashed: ${e.message}`, 'worker')));
    worker.on('exit', (code) => {
      if (!closed) died(new CodError('internal', `${kind} worker exited (code ${code})`, 'worker'));
    });
    await rpc.call('ready', null);
    return {
      kind,
      call: (m, p, t) => rpc.call(m, p, t ? { transfer: t } : {}),
      async close() {
        closed = true;
        await worker.terminate();
      },
    };
  }
}
