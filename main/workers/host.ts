/**
 * The compute workers (main/backend/compute-workers.ts) as worker threads running this folder's entry
 * modules through tsx; calls go over the one request/response layer (main/base/rpc.ts).
 */
import { Worker } from 'node:worker_threads';
import { CodError } from '../base/errors.ts';
import { tsxExecArgv } from '../models/thread-entry.ts';
import { messagePort, parseReply, RpcClient } from '../base/rpc.ts';
import type { WorkerHandle, WorkerHost, WorkerKind } from '../backend/compute-workers.ts';

const ENTRIES: Record<WorkerKind, URL> = {
  policy: new URL('./policy-worker.ts', import.meta.url),
  trainer: new URL('./train-worker.ts', import.meta.url),
};

export class ThreadWorkerHost implements WorkerHost {
  async start(kind: WorkerKind, init: unknown): Promise<WorkerHandle> {
    // The worker resolves tsx from this package, wherever the command was started.
    const worker = new Worker(ENTRIES[kind], {
      execArgv: tsxExecArgv(),
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
        // A call still waiting, or one made after this (a sampler batch gathered just before a stop), would never
        // be answered: with nothing else keeping the event loop alive the process then exited 13 (unsettled
        // top-level await) instead of 130 on a stop. They fail at once instead.
        rpc.failAll(new CodError('internal', `${kind} worker closed`, 'worker'), { dead: true });
        await worker.terminate();
      },
    };
  }
}
