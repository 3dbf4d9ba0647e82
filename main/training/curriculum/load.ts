/**
 * Loading a curriculum: YAML → schema → cross-field checks, with every problem reported as
 * `file:line:col: field: message` (e.g. `setting-a.yaml:12:5: train.domains[0].weight: must be > 0`), all of
 * them at once, in one CodError('bad_config').
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { CodError, isCodError } from '../../base/errors.ts';
import { resolvePrompts } from '../../cod/prompts.ts';
import { loadPlugins, type PluginInfo } from '../../envs/plugin.ts';
import { LocatedSource, SourceError, type SourceIssue } from '../../base/diagnostics.ts';
import { listDomains } from '../../envs/registry.ts';
import type { Rendering } from '../../envs/sdk.ts';
import { curriculumSchema, type Curriculum, type EvalSuite } from './schema.ts';

export interface DomainRef {
  readonly id: string;
  /** When given, presets named for this domain are checked against it. */
  readonly presets?: readonly string[];
}

export interface CurriculumLoadOptions {
  /** Domains a curriculum may name besides its own plugins' (default: the built-in registry). */
  readonly knownDomains?: Iterable<string | DomainRef>;
  /**
   * Check the prompt overrides; throw a CodError whose `where` is `prompts.<name>` (or `prompts`). Default: the
   * lifecycle runner's own check (main/cod/prompts.ts resolvePrompts).
   */
  readonly checkPrompts?: (rendering: Rendering, prompts: Readonly<Record<string, string>>) => void;
  /** The trainer's schema for the `training` section (its issues are located like any other). */
  readonly trainingSchema?: z.ZodType;
}

export interface LoadedCurriculum {
  readonly file: string;
  readonly curriculum: Curriculum;
  /** The plugins the curriculum names, loaded (manifests checked; no plugin code has run). */
  readonly plugins: readonly PluginInfo[];
}

export function loadCurriculum(file: string, opts: CurriculumLoadOptions = {}): LoadedCurriculum {
  if (!existsSync(file)) throw new CodError('not_found', 'curriculum file does not exist', file);
  return parseCurriculum(readFileSync(file, 'utf8'), file, opts);
}

/** Parse curriculum text; `file` names it in errors and anchors relative plugin paths. */
export function parseCurriculum(text: string, file: string, opts: CurriculumLoadOptions = {}): LoadedCurriculum {
  const src = LocatedSource.parse(text, file);
  if (src.value === null || typeof src.value !== 'object' || Array.isArray(src.value))
    throw new SourceError('bad_config', [src.issueAt([], 'a curriculum must be a mapping (name:, train:, …)')]);
  const c = src.validate(curriculumSchema);
  const issues: SourceIssue[] = [];

  const builtins = [...(opts.knownDomains ?? listDomains())].map((d) => (typeof d === 'string' ? { id: d } : d));
  const known = new Map<string, DomainRef>(builtins.map((d) => [d.id, d]));
  const plugins = checkPlugins(src, c.plugins ?? [], path.dirname(path.resolve(file)), known, issues);

  const domainIssue = (at: Array<string | number>, id: string, preset: string, presetAt: Array<string | number>) => {
    const d = known.get(id);
    if (!d) {
      issues.push(src.issueAt(at, `unknown domain '${id}' (known: ${[...known.keys()].sort().join(', ') || 'none'})`));
    } else if (d.presets && !d.presets.includes(preset)) {
      issues.push(src.issueAt(presetAt, `domain '${id}' has no preset '${preset}' (presets: ${d.presets.join(', ')})`));
    }
  };

  // The advantage of a rollout is its return minus its group's mean: one rollout per pack is its own mean, so every
  // advantage would be 0 and training would silently do nothing.
  if (c.train.groupSize < 2)
    issues.push(
      src.issueAt(
        ['train', 'groupSize'],
        `must be at least 2: with ${c.train.groupSize} rollout per pack every advantage is 0 (the group mean is the reward itself)`,
      ),
    );

  const trainIds = new Set<string>();
  c.train.domains.forEach((d, i) => {
    const at = ['train', 'domains', i];
    domainIssue([...at, 'id'], d.id, d.preset, [...at, 'preset']);
    if (trainIds.has(d.id)) issues.push(src.issueAt([...at, 'id'], `domain '${d.id}' is listed twice`));
    trainIds.add(d.id);
  });

  const names = new Set<string>();
  const evals: EvalSuite[] = c.evals.map((e, i) => {
    const at = ['evals', i];
    if (names.has(e.name)) issues.push(src.issueAt([...at, 'name'], `eval name '${e.name}' is used twice`));
    names.add(e.name);
    domainIssue([...at, 'domain'], e.domain, e.preset, [...at, 'preset']);
    const strategy = e.packStrategy ?? (e.kind === 'ralph' ? 'ralph_sample' : 'cod');
    if (e.kind === 'ralph' && strategy === 'cod')
      issues.push(src.issueAt([...at, 'packStrategy'], "kind 'ralph' needs 'ralph_sample' or 'ralph_full'"));
    if (e.kind !== 'ralph' && strategy !== 'cod')
      issues.push(src.issueAt([...at, 'packStrategy'], `kind '${e.kind}' plays CoD packs; use kind 'ralph'`));
    if (e.kind === 'cross_domain' && trainIds.has(e.domain))
      issues.push(src.issueAt([...at, 'domain'], `cross_domain needs a domain not trained on, '${e.domain}' is`));
    if ((e.kind === 'in_domain' || e.kind === 'in_domain_hard') && !trainIds.has(e.domain))
      issues.push(src.issueAt([...at, 'domain'], `${e.kind} needs a trained domain, '${e.domain}' is not in train`));
    const seen = new Set<number>();
    e.seeds.forEach((s, j) => {
      if (seen.has(s)) issues.push(src.issueAt([...at, 'seeds', j], `seed ${s} is listed twice`));
      seen.add(s);
    });
    return { ...e, packStrategy: strategy };
  });

  if (c.prompts) {
    const check = opts.checkPrompts ?? ((r, p) => void resolvePrompts(r, p, c.lifecycle?.protocol));
    try {
      check(c.rendering, c.prompts);
    } catch (e) {
      if (!isCodError(e)) throw e;
      issues.push(promptIssue(src, c.prompts, e));
    }
  }

  if (opts.trainingSchema) {
    const r = opts.trainingSchema.safeParse(c.training);
    if (!r.success) issues.push(...src.issuesOf(r.error.issues.map((i) => ({ ...i, path: ['training', ...i.path] }))));
  }

  if (issues.length > 0)
    throw new SourceError(
      'bad_config',
      issues.sort((a, b) => a.line - b.line || a.col - b.col),
    );
  return { file, curriculum: { ...c, evals }, plugins };
}

function checkPlugins(
  src: LocatedSource,
  dirs: readonly string[],
  base: string,
  known: Map<string, DomainRef>,
  issues: SourceIssue[],
): PluginInfo[] {
  const reserved = [...known.keys()];
  const all: PluginInfo[] = [];
  dirs.forEach((d, i) => {
    try {
      all.push(...loadPlugins(path.resolve(base, d), reserved));
    } catch (e) {
      if (!isCodError(e)) throw e;
      issues.push(src.issueAt(['plugins', i], e.message.split('\n')[0]));
    }
  });
  if (issues.length > 0) return [];
  try {
    // Unique names and domain ids across all the named dirs.
    loadPlugins(
      all.map((p) => p.dir),
      reserved,
    );
  } catch (e) {
    if (!isCodError(e)) throw e;
    issues.push(src.issueAt(['plugins'], e.message));
    return [];
  }
  for (const p of all) for (const id of p.domains) known.set(id, { id });
  return all;
}

/** Locate a prompt-check error at the template it names (`where` = prompts.<name>, or a quoted name). */
function promptIssue(src: LocatedSource, prompts: Readonly<Record<string, string>>, e: CodError): SourceIssue {
  const fromWhere = e.where?.startsWith('prompts.') ? e.where.slice('prompts.'.length) : undefined;
  const quoted = /'([^']+)'/.exec(e.message)?.[1];
  const name = fromWhere ?? (quoted !== undefined && quoted in prompts ? quoted : undefined);
  const message = e.where ? e.message.slice(e.where.length + 2) : e.message;
  return name !== undefined ? src.issueAt(['prompts', name], message, !fromWhere) : src.issueAt(['prompts'], message);
}
