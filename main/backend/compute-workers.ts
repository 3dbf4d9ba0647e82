/**
 * Where the model's heavy work runs: a policy worker (the sampler, for rollouts) and a trainer worker (the optimizer
 * step, the backend's forward/backward), each behind one message port. Headless (CLI, tests) they are worker threads
 * (workers/host.ts ThreadWorkerHost, which the caller hands in); the local backend and the trainer see only this
 * interface. (Not to be confused with the services' CommandHost, which runs whole `cod` commands for the UI's jobs.)
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
