/**
 * The curriculum file (YAML): what a run trains on, how lifecycles are played, and what is evaluated. This is
 * the shape only; loading (with file:line:field errors and the cross-field checks) is in load.ts.
 */
import { z } from 'zod';
import { DOMAIN_ID_RE } from '../../envs/plugin.ts';
import {
  DEFAULT_GROUP_SIZE,
  EVAL_PACK_SIZE,
  PACK_STRATEGIES,
  TRAIN_PACK_SIZE,
  type PackStrategy,
} from '../../cod/packs.ts';
import { PROTOCOLS, type Protocol } from '../../cod/prompts.ts';
import { MEMORY_MODES, type MemoryMode } from '../../cod/records.ts';
import { LORA_TARGETS, type LoraTarget } from '../../models/adapter.ts';

const domainId = z.string().regex(DOMAIN_ID_RE, 'must be a domain id like frozenlake');
const preset = z.string().min(1).max(128);
const options = z.record(z.string(), z.unknown());
const positiveInt = z.number().int().positive();
// The runner owns these lists; a mode it adds is accepted here without an edit.
const packStrategy = z.enum(PACK_STRATEGIES as readonly [PackStrategy, ...PackStrategy[]]);
const memoryMode = z.enum(MEMORY_MODES as readonly [MemoryMode, ...MemoryMode[]]);

export const trainDomainSchema = z.strictObject({
  id: domainId,
  /** Mixing weight: packs are drawn from the domains in proportion to it. */
  weight: z.number().positive().default(1),
  preset: preset.default('train'),
  options: options.optional(),
});

export const evalKinds = ['in_domain', 'in_domain_hard', 'cross_domain', 'ralph'] as const;

export const evalSuiteSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be letters, digits, "_", "." or "-"'),
  kind: z.enum(evalKinds),
  domain: domainId,
  preset: preset.default('train'),
  options: options.optional(),
  packSize: positiveInt.max(64).default(EVAL_PACK_SIZE),
  /** Packs per seed. */
  packs: positiveInt.max(100_000).default(16),
  /** Independent draws of held-out packs (dataset seeds). */
  seeds: z.array(z.number().int().nonnegative()).min(1).default([1, 2, 3]),
  /** Default: 'cod', or 'ralph_sample' for kind 'ralph' (resolved at load). */
  packStrategy: packStrategy.optional(),
});

/** Lifecycle knobs beyond rendering / prompts / memory (main/cod/config.ts has their defaults). */
export const lifecycleSchema = z.strictObject({
  /** 'workbench' (default) or 'paper': the reference implementation's prompts and rules (docs/fidelity.md). */
  protocol: z.enum(PROTOCOLS as readonly [Protocol, ...Protocol[]]).optional(),
  memoryCharBudget: positiveInt.optional(),
  solveMaxNewTokens: positiveInt.optional(),
  updateMaxNewTokens: positiveInt.optional(),
  /** Soft length line in training rollouts (paper default 1000). */
  lengthInstructionTokens: positiveInt.optional(),
  /** Soft length line in evaluations; default: lengthInstructionTokens (workbench), 1500 (paper, chat). */
  evalLengthInstructionTokens: positiveInt.optional(),
});

/**
 * Where the run trains: a Tinker-compatible server (skyrl-tx, hosted Tinker, `cod backend serve`) instead of the
 * local backend. The API key is not written here: `cod train --api-key K` or $TINKER_API_KEY.
 */
export const backendSectionSchema = z.strictObject({
  url: z
    .string()
    .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'must be an http(s) URL like http://gpu-box:8000')
    .max(2048),
  /** The server's name of the base model (default: the one model the server offers). */
  baseModel: z.string().min(1).max(256).optional(),
});

/**
 * The model a run trains: its base directory (config.json, tokenizer, chat template; the weights too for the local
 * backend), relative to the curriculum file, and LoRA settings (absent: a full fine-tune). `cod train --model DIR`
 * overrides `base`. LoRA's defaults are the Tinker API's (alpha 32, every target on). `targets` is either the
 * Tinker API's groups ({attn, mlp, unembed}) or HF module names (`[q_proj, v_proj]`, or `all-linear`: every
 * projection but lm_head); a remote backend takes whole groups only. `init: random` draws B too (tests; local only).
 */
const loraGroupsSchema = z
  .strictObject({
    attn: z.boolean().default(true),
    mlp: z.boolean().default(true),
    unembed: z.boolean().default(true),
  })
  .refine((t) => t.attn || t.mlp || t.unembed, 'at least one target group must be on');

const loraModuleListSchema = z
  .array(z.string())
  .min(1, 'at least one target module')
  .superRefine((list, ctx) =>
    list.forEach((t, i) => {
      if (!(LORA_TARGETS as readonly string[]).includes(t))
        ctx.addIssue({
          code: 'custom',
          path: [i],
          message: `unknown LoRA target module '${t}' (known: ${LORA_TARGETS.join(', ')})`,
        });
    }),
  )
  .transform((list) => list as LoraTarget[]);

/**
 * The groups, 'all-linear', or a module list. Dispatched on the value's type rather than a z.union, whose failure
 * is one 'Invalid input': a wrong module is named with its index.
 */
export const loraTargetsSchema = z.unknown().transform((v, ctx) => {
  const r =
    typeof v === 'string'
      ? z
          .literal('all-linear', { error: "must be 'all-linear', a list of modules or {attn, mlp, unembed}" })
          .safeParse(v)
      : Array.isArray(v)
        ? loraModuleListSchema.safeParse(v)
        : loraGroupsSchema.safeParse(v);
  if (r.success) return r.data;
  for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  return z.NEVER;
});

export const modelSectionSchema = z.strictObject({
  base: z.string().min(1).max(4096).optional(),
  lora: z
    .strictObject({
      rank: z.number().int().min(1).max(1024),
      alpha: z.number().positive().default(32),
      seed: z.number().int().nonnegative().default(0),
      targets: loraTargetsSchema.default({ attn: true, mlp: true, unembed: true }),
      init: z.enum(['zero-b', 'random']).default('zero-b'),
    })
    .optional(),
});
export type LoraSection = z.output<typeof modelSectionSchema>['lora'] & object;

/**
 * Trainer options: the common ones typed, everything else kept as written (the trainer validates its own keys
 * through loadCurriculum's `trainingSchema`).
 */
export const trainingSchema = z.looseObject({
  lr: z.number().positive().optional(),
  steps: positiveInt.optional(),
  seed: z.number().int().nonnegative().optional(),
  temperature: z.number().positive().optional(),
  weightDecay: z.number().nonnegative().optional(),
  gradClip: z.number().positive().optional(),
  saveEvery: positiveInt.optional(),
  evalEvery: positiveInt.optional(),
});

export const curriculumSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be letters, digits, "_", "." or "-"'),
  description: z.string().max(4000).optional(),
  rendering: z.enum(['chat', 'compact']).default('chat'),
  memory: memoryMode.default('notes'),
  train: z.strictObject({
    domains: z.array(trainDomainSchema).min(1),
    /** Training packs are CoD packs, or Ralph packs (the same task repeated) in Ralph mode. */
    packStrategy: packStrategy.default('cod'),
    packSize: positiveInt.max(64).default(TRAIN_PACK_SIZE),
    groupSize: positiveInt.max(1024).default(DEFAULT_GROUP_SIZE),
    packsPerStep: positiveInt.max(4096).default(8),
  }),
  /** Overrides of the rendering's prompt templates, by template name (the lifecycle runner checks the names). */
  prompts: z.record(z.string(), z.string()).optional(),
  lifecycle: lifecycleSchema.optional(),
  evals: z.array(evalSuiteSchema).default([]),
  /** Plugin directories (or folders of plugins), relative to the curriculum file. */
  plugins: z.array(z.string().min(1)).optional(),
  training: trainingSchema.default({}),
  model: modelSectionSchema.optional(),
  backend: backendSectionSchema.optional(),
});

/** A curriculum as loadCurriculum returns it, every eval's pack strategy resolved: how a run stores it. */
export const loadedCurriculumSchema = curriculumSchema.extend({
  evals: z.array(evalSuiteSchema.extend({ packStrategy })).readonly(),
});

type Parsed = z.output<typeof curriculumSchema>;
export type EvalKind = (typeof evalKinds)[number];
export type TrainDomain = Parsed['train']['domains'][number];
export type EvalSuite = Omit<Parsed['evals'][number], 'packStrategy'> & {
  readonly packStrategy: NonNullable<Parsed['evals'][number]['packStrategy']>;
};
export type TrainingOptions = Parsed['training'];

/** A loaded, checked curriculum with every default filled in. */
export type Curriculum = Omit<Parsed, 'evals'> & { readonly evals: readonly EvalSuite[] };
