/**
 * The api's methods: each one's parameter schema (checked at every boundary: IPC handler, WebSocket server) and
 * result type. One table, used by the preload bridge, the IPC handlers, the server and the renderer's client.
 */
import { z } from 'zod';
import type {
  AppInfo,
  ComparisonView,
  DomainView,
  EvalSuiteCurves,
  JobView,
  LifecycleRow,
  LifecycleView,
  PackPreview,
  PresetInfo,
  PresetText,
  RunDetail,
  RunLog,
  RunSummary,
  SeriesData,
  CurriculumCheck,
} from './types.ts';

/** The store's run id rule (main/store/runs.ts), repeated here so bad ids are refused before any work. */
export const runId = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'must be a run id (a-z, 0-9, _ . -)');
const step = z.number().int().nonnegative();
/** A preset name is also its file name: no path separators, no leading dot. */
export const presetName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be letters, digits, _ . -');
const domainId = z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/, 'must be a domain id');
const curriculumText = z.string().max(1_000_000);
/** A curriculum as the form holds it: any JSON object (the curriculum schema checks it, with located issues). */
const curriculumDoc = z.record(z.string(), z.unknown());
/** A directory on the server's machine (absolute or relative to where it runs). */
const dirPath = z.string().min(1).max(4096);
export const modelRef = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('builtin') }),
  z.strictObject({ kind: z.literal('base'), runId }),
  z.strictObject({ kind: z.literal('checkpoint'), runId, step }),
  z.strictObject({ kind: z.literal('dir'), path: dirPath }),
]);
export const suiteSource = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('run'), runId }),
  z.strictObject({ kind: z.literal('preset'), name: presetName, source: z.enum(['builtin', 'user']).optional() }),
]);
const seeds = z
  .array(
    z
      .number()
      .int()
      .nonnegative()
      .max(2 ** 31),
  )
  .min(1)
  .max(64)
  .refine((xs) => new Set(xs).size === xs.length, 'a seed is given twice');
/** What a comparison evaluates (also how the history stores it, checked again when read back). */
export const compareSpec = z.strictObject({
  a: modelRef,
  b: modelRef,
  suites: suiteSource,
  suite: z.string().min(1).max(64),
  seeds: seeds.optional(),
});
/** A job id as the services make them (kind-hex). */
const jobId = z.string().regex(/^[a-z]+-[0-9a-f]{8}$/, 'must be a job id');
const tag = z.string().min(1).max(40);

const empty = z.strictObject({});

export const paramSchemas = {
  'app.info': empty,
  'domains.list': empty,
  'curricula.list': empty,
  'curricula.load': z.strictObject({ name: presetName, source: z.enum(['builtin', 'user']).optional() }),
  'curricula.check': z.union([z.strictObject({ text: curriculumText }), z.strictObject({ doc: curriculumDoc })]),
  'curricula.save': z.union([
    z.strictObject({ name: presetName, text: curriculumText, overwrite: z.boolean().optional() }),
    z.strictObject({ name: presetName, doc: curriculumDoc, overwrite: z.boolean().optional() }),
  ]),
  'packs.preview': z.strictObject({
    domain: domainId,
    preset: z.string().min(1).max(128),
    seed: z
      .number()
      .int()
      .nonnegative()
      .max(2 ** 31),
    rendering: z.enum(['chat', 'compact']),
    packSize: z.number().int().min(1).max(16),
    options: z.record(z.string(), z.unknown()).optional(),
  }),
  'runs.list': empty,
  'runs.get': z.strictObject({ runId }),
  'runs.series': z.strictObject({
    runId,
    names: z.array(z.string().min(1).max(200)).min(1).max(64),
    fromStep: step.optional(),
  }),
  'runs.launch': z.strictObject({
    curriculum: presetName,
    source: z.enum(['builtin', 'user']).optional(),
    steps: z.number().int().min(1).max(1_000_000).optional(),
    model: z.string().min(1).max(4096).optional(),
    /** The run's name (default: the curriculum's). */
    name: z.string().trim().min(1).max(200).optional(),
  }),
  'runs.stop': z.strictObject({ runId }),
  'runs.resume': z.strictObject({ runId, steps: z.number().int().min(1).max(1_000_000).optional() }),
  'runs.update': z.strictObject({
    runId,
    name: z.string().min(1).max(200).optional(),
    tags: z.array(tag).max(32).optional(),
    notes: z.string().max(100_000).optional(),
  }),
  'runs.log': z.strictObject({ runId, lines: z.number().int().min(1).max(5000).optional() }),
  'runs.evals': z.strictObject({ runId }),
  'lifecycles.list': z.strictObject({
    runId,
    step: step.optional(),
    split: z.enum(['train', 'eval']).optional(),
    suite: z.string().min(1).max(64).optional(),
    checkpoint: step.optional(),
    limit: z.number().int().min(1).max(5000).optional(),
    offset: z.number().int().nonnegative().optional(),
  }),
  'lifecycles.get': z.strictObject({ id: z.number().int().positive() }),
  'compare.start': compareSpec,
  'compare.history': z.strictObject({ limit: z.number().int().min(1).max(1000).optional() }),
  'compare.delete': z.strictObject({ id: jobId }),
  'jobs.list': empty,
  'jobs.cancel': z.strictObject({ id: jobId }),
} as const;

export type MethodName = keyof typeof paramSchemas;
export type Params<M extends MethodName> = z.input<(typeof paramSchemas)[M]>;

export interface Results {
  'app.info': AppInfo;
  'domains.list': DomainView[];
  'curricula.list': PresetInfo[];
  'curricula.load': PresetText;
  'curricula.check': CurriculumCheck;
  'curricula.save': PresetInfo;
  'packs.preview': PackPreview;
  'runs.list': RunSummary[];
  'runs.get': RunDetail;
  'runs.series': Record<string, SeriesData>;
  'runs.launch': { runId: string; job: JobView };
  'runs.stop': { stopping: boolean };
  'runs.resume': { runId: string; job: JobView };
  'runs.update': RunSummary;
  'runs.log': RunLog;
  'runs.evals': EvalSuiteCurves[];
  'lifecycles.list': LifecycleRow[];
  'lifecycles.get': LifecycleView;
  'compare.start': JobView;
  'compare.history': ComparisonView[];
  'compare.delete': { deleted: boolean };
  'jobs.list': JobView[];
  'jobs.cancel': JobView;
}
export type Result<M extends MethodName> = Results[M];

export const METHOD_NAMES = Object.keys(paramSchemas) as MethodName[];

export function isMethodName(m: unknown): m is MethodName {
  return typeof m === 'string' && Object.prototype.hasOwnProperty.call(paramSchemas, m);
}
