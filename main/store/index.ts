/** The run store: the workbench's source of truth for runs, steps, metrics, lifecycles, samples and checkpoints. */
export { openStore, RunStore } from './store.ts';
export type { OpenStoreOptions } from './db.ts';
export type { LeaseOptions, RunLease } from './lease-keeper.ts';
export type { FollowOptions, RowsListener } from './events.ts';
export type { ListRunsOptions } from './runs.ts';
export { hasLiveTrainer } from './runs.ts';
export { SCHEMA_VERSION } from './schema.ts';
export * from './types.ts';
