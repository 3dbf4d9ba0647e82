/**
 * The workbench's services put together behind the api: `handle(method, params)` checks the request against its
 * schema, runs the method and answers `{ok, result}` or `{ok: false, error}`; `onEvent` hears store changes (from
 * every process, through the change feed) and job updates. The WebSocket server and the Electron IPC handlers are
 * both thin layers over this one object.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Answer } from '../api/protocol.ts';
import type { ApiEvent, AppInfo, CompareSpec } from '../api/types.ts';
import { checkRequest } from '../api/validate.ts';
import { Emitter } from '../base/emitter.ts';
import type { MethodName } from '../api/methods.ts';
import { PACK_STRATEGIES } from '../cod/packs.ts';
import { MEMORY_MODES } from '../cod/records.ts';
import { openStore, type RunStore } from '../store/index.ts';
import { evalKinds } from '../training/curriculum/schema.ts';
import { CompareService } from './compare.ts';
import { CurriculaService } from './curricula.ts';
import { errorBody } from './errors.ts';
import { evalCurves } from './eval-curves.ts';
import { Jobs } from './jobs.ts';
import { listDomainViews, previewPack } from './packs.ts';
import {
  APP_ROOT,
  builtinModelDir,
  codHome as defaultCodHome,
  defaultStorePath,
  packageVersion,
} from '../training/locations.ts';
import { ReplayService } from './replay.ts';
import { RunsService } from './runs.ts';
import { ChildCommandHost, type CommandHost } from './command-host.ts';

export interface WorkbenchOptions {
  /** The app's root: resources/ and bin/cod.mjs are found here (default: this install's). */
  readonly appRoot?: string;
  readonly codHome?: string;
  readonly storePath?: string;
  /** Where job commands run (default: child processes of this one). */
  readonly commandHost?: CommandHost;
  /** Change feed poll period (ms). */
  readonly followIntervalMs?: number;
}

export interface Workbench {
  handle(method: unknown, params: unknown): Promise<Answer>;
  onEvent(listener: (e: ApiEvent) => void): () => void;
  readonly store: RunStore;
  close(): void;
}

export function createWorkbench(opts: WorkbenchOptions): Workbench {
  const appRoot = opts.appRoot ?? APP_ROOT;
  const home = opts.codHome ?? defaultCodHome();
  const storePath = opts.storePath ?? defaultStorePath(home);
  const store = openStore(storePath);
  // A listener that throws (a closed socket's) must not keep the event from the others.
  const events = new Emitter<ApiEvent>((err) =>
    process.emitWarning(err instanceof Error ? err : new Error(String(err)), 'CodWorkbenchListenerWarning'),
  );
  const emit = (e: ApiEvent) => events.emit(e);
  const codBin = path.join(appRoot, 'bin', 'cod.mjs');
  const host = opts.commandHost ?? new ChildCommandHost(codBin);
  const jobs = new Jobs((job) => emit({ type: 'job', job }));
  const model = () => builtinModelDir(appRoot);
  const curricula = new CurriculaService(path.join(appRoot, 'resources', 'curricula'), home);
  const runs = new RunsService(store, host, jobs, curricula, model);
  const replay = new ReplayService(store);
  const compare = new CompareService(store, host, jobs, curricula, model, path.join(home, 'tmp'), home);
  const stopFollow = store.follow((ev) => emit({ type: 'rows', ...ev }), {
    intervalMs: opts.followIntervalMs ?? 250,
    onError: () => {}, // busy past the timeout: the next poll asks again from the same version
  });

  const version = packageVersion(appRoot);
  // The job commands (JOB_COMMANDS) are registered in every build's `cod` (tests/unit/services pins that); what
  // an install can lack is the entry point the worker host starts.
  const canRunJobs = existsSync(codBin);

  const methods: { [M in MethodName]: (p: never) => unknown } = {
    'app.info': (): AppInfo => {
      return {
        version,
        storePath,
        codHome: home,
        trainerAvailable: canRunJobs,
        compareAvailable: canRunJobs,
        builtinModel: model(),
        curriculumOptions: {
          memoryModes: [...MEMORY_MODES],
          packStrategies: [...PACK_STRATEGIES],
          evalKinds: [...evalKinds],
          renderings: ['chat', 'compact'],
        },
      };
    },
    'domains.list': () => listDomainViews(),
    'curricula.list': () => curricula.list(),
    'curricula.load': (p: { name: string; source?: 'builtin' | 'user' }) => curricula.load(p.name, p.source),
    'curricula.check': (p: { text: string } | { doc: Record<string, unknown> }) =>
      'text' in p ? curricula.checkText(p.text) : curricula.checkDoc(p.doc),
    'curricula.save': (
      p: ({ text: string } | { doc: Record<string, unknown> }) & { name: string; overwrite?: boolean },
    ) => curricula.save(p.name, 'text' in p ? { text: p.text } : { doc: p.doc }, p.overwrite ?? false),
    'packs.preview': (p: Parameters<typeof previewPack>[0]) => previewPack(p),
    'runs.list': () => runs.list(),
    'runs.get': (p: { runId: string }) => runs.get(p.runId),
    'runs.series': (p: { runId: string; names: string[]; fromStep?: number }) =>
      runs.series(p.runId, p.names, p.fromStep),
    'runs.launch': (p: Parameters<RunsService['launch']>[0]) => runs.launch(p),
    'runs.stop': (p: { runId: string }) => runs.stop(p.runId),
    'runs.resume': (p: { runId: string; steps?: number }) => runs.resume(p.runId, p.steps),
    'runs.update': (p: { runId: string; name?: string; tags?: string[]; notes?: string }) => {
      const { runId, ...patch } = p;
      return runs.update(runId, patch);
    },
    'runs.log': (p: { runId: string; lines?: number }) => runs.log(p.runId, p.lines),
    'runs.evals': (p: { runId: string }) => evalCurves(store, p.runId),
    'lifecycles.list': (p: { runId: string } & Parameters<ReplayService['list']>[1]) => {
      const { runId, ...filter } = p;
      return replay.list(runId, filter);
    },
    'lifecycles.get': (p: { id: number }) => replay.get(p.id),
    'compare.start': (p: CompareSpec) => compare.start(p),
    'compare.history': (p: { limit?: number }) => compare.history(p.limit),
    'compare.delete': (p: { id: string }) => compare.delete(p.id),
    'jobs.list': () => jobs.list(),
    'jobs.cancel': (p: { id: string }) => jobs.cancel(p.id),
  };

  return {
    store,
    async handle(method, params) {
      try {
        const checked = checkRequest(method, params);
        const fn = methods[method as MethodName] as (p: unknown) => unknown;
        return { ok: true, result: await fn(checked) };
      } catch (e) {
        return { ok: false, error: errorBody(e) };
      }
    },
    onEvent: (listener) => events.on(listener),
    close() {
      stopFollow();
      runs.stopAll();
      store.close();
    },
  };
}
