/**
 * Where the local backend's heavy work runs: a policy worker per base model (the sampler) and a trainer worker per
 * created model (ModelRuntime), each behind one message port. Headless (CLI, tests) they are worker threads
 * (main/workers/host.ts ThreadWorkerHost, which the caller hands in); the backend sees only this interface, and the
 * trainer reaches workers only through the backend.
 */
export type WorkerKind = 'policy' | 'trainer';

export interface WorkerHandle {
  readonly kind: WorkerKind;
  call<T>(method: string, payload: unknown, transfer?: readonly ArrayBuffer[]): Promise<T>;
  close(): Promise<void>;
}

export interface WorkerHost {
  start(kind: WorkerKind, init: unknown): Promise<WorkerHandle>;
}
