/**
 * Which training backend a run trains on, as its stored config records it: the local backend (the workbench's
 * engine in worker threads, embedded; the default) or a Tinker-compatible server by URL with the server's name of
 * the base model. The API key is never stored: `--api-key` or $TINKER_API_KEY each time the run trains.
 */
import { join } from 'node:path';
import { z } from 'zod';
import type { TrainingBackend } from '../backend/backend.ts';
import { LocalBackend } from '../backend/local/backend.ts';
import type { WorkerHost } from '../backend/compute-workers.ts';
import { RemoteBackend } from '../backend/remote/client.ts';
import { CodError } from '../base/errors.ts';
import type { TrainerConfig } from './training-config.ts';

/** The name the local backend gives the run's starting model. */
export const LOCAL_BASE_MODEL = 'base';

export const runBackendSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('local') }),
  z.strictObject({
    kind: z.literal('remote'),
    /** http(s)://host:port, without /api/v1. */
    url: z.string().min(1),
    /** The server's name of the base model (get_server_capabilities lists them). */
    baseModel: z.string().min(1),
  }),
]);
export type RunBackend = z.output<typeof runBackendSchema>;

/** What a curriculum's `backend:` section or `cod train --backend` asks for, before the server is asked. */
export interface BackendRequest {
  readonly url: string;
  readonly baseModel?: string;
}

/** A remote request made whole: without a base model name, the server's one model (or an error listing them). */
export async function resolveRunBackend(req: BackendRequest | undefined, apiKey?: string): Promise<RunBackend> {
  if (!req) return { kind: 'local' };
  const remote = new RemoteBackend({ baseUrl: req.url, ...(apiKey ? { apiKey } : {}), attempts: 2 });
  const url = remote.name;
  if (req.baseModel) return { kind: 'remote', url, baseModel: req.baseModel };
  const names = (await remote.capabilities()).supported_models.flatMap((m) => (m.model_name ? [m.model_name] : []));
  if (names.length !== 1)
    throw new CodError(
      'bad_input',
      `backend ${url} offers ${names.length === 0 ? 'no models' : `several base models (${names.join(', ')})`}; name one with --base-model or backend.baseModel`,
      'backend',
    );
  return { kind: 'remote', url, baseModel: names[0] };
}

export interface OpenBackendArgs {
  readonly backend: RunBackend;
  /** The run's starting model directory (the local backend trains it; a remote run reads its tokenizer). */
  readonly modelDir: string;
  /** The local backend keeps its saved weights under RUN_DIR/backend. */
  readonly runDir: string;
  readonly trainer: TrainerConfig;
  /** Where the local backend's workers run. */
  readonly workers: WorkerHost;
  readonly apiKey?: string;
}

/** The run's backend, opened, and the name of the base model there. */
export function openRunBackend(a: OpenBackendArgs): { backend: TrainingBackend; baseModel: string } {
  if (a.backend.kind === 'remote')
    return {
      backend: new RemoteBackend({ baseUrl: a.backend.url, ...(a.apiKey ? { apiKey: a.apiKey } : {}) }),
      baseModel: a.backend.baseModel,
    };
  return {
    backend: new LocalBackend({
      models: { [LOCAL_BASE_MODEL]: a.modelDir },
      weightsRoot: join(a.runDir, 'backend'),
      workers: a.workers,
      trainThreads: a.trainer.trainThreads,
      sampleThreads: a.trainer.rolloutThreads,
      microBatchTokens: a.trainer.microBatchTokens,
      ...(a.trainer.recomputeLayers ? { recomputeLayers: true } : {}),
    }),
    baseModel: LOCAL_BASE_MODEL,
  };
}

/** One line for `cod runs show`. */
export function describeRunBackend(b: RunBackend): string {
  return b.kind === 'local' ? 'local (this machine’s engine)' : `${b.url} (base model ${b.baseModel})`;
}
