/**
 * The model a run trains, as the backend's create_model takes it: the curriculum's `model.lora` section and/or a
 * starting adapter (`cod train --adapter DIR`) made into one LoraSpec, or none for a full fine-tune. A starting
 * adapter is read against the base model's config when the run is planned, so an adapter of another base, a bad
 * rank, an unknown target or a truncated file is one clear error before anything is stored.
 */
import { join } from 'node:path';
import { ALL_LINEAR, loadAdapter, type LoraSettings, type LoraTarget } from '../models/adapter.ts';
import { readConfigFile } from '../models/config.ts';
import { loraGroupsOf, loraSettingsOf, type LoraSpec } from '../backend/backend.ts';
import { CodError } from '../base/errors.ts';
import type { LoraSection } from './curriculum/schema.ts';

/** The HF modules of a `targets` value written as a list (or 'all-linear'); undefined for the groups form. */
function sectionModules(t: LoraSection['targets']): LoraTarget[] | undefined {
  if (t === 'all-linear') return [...ALL_LINEAR];
  return Array.isArray(t) ? [...new Set(t)] : undefined;
}

/** A spec from an adapter's own settings (its modules, and the wire's groups where they are whole). */
function fromSettings(s: LoraSettings, seed: number, adapter: string): LoraSpec {
  const groups = loraGroupsOf(s.targets);
  return {
    rank: s.rank,
    alpha: s.alpha,
    seed,
    targets: groups ?? {
      attn: s.targets.some((t) => ['q_proj', 'k_proj', 'v_proj', 'o_proj'].includes(t)),
      mlp: s.targets.some((t) => ['gate_proj', 'up_proj', 'down_proj'].includes(t)),
      unembed: s.targets.includes('lm_head'),
    },
    modules: [...s.targets],
    adapter,
  };
}

/** The curriculum section as a spec (checked: rank, alpha, targets). */
export function loraSpecOfSection(section: LoraSection, where: string): LoraSpec {
  const modules = sectionModules(section.targets);
  const spec: LoraSpec = {
    rank: section.rank,
    alpha: section.alpha,
    seed: section.seed,
    targets: modules
      ? (loraGroupsOf(modules) ?? { attn: true, mlp: true, unembed: modules.includes('lm_head') })
      : (section.targets as LoraSpec['targets']),
    ...(modules ? { modules } : {}),
    init: section.init,
  };
  loraSettingsOf(spec, where);
  return spec;
}

/**
 * The run's LoRA spec: none (full fine-tune), the curriculum's, or a starting adapter's (whose settings must agree
 * with the curriculum's section when both are given).
 */
export async function runLoraSpec(
  modelDir: string,
  section: LoraSection | undefined,
  adapter: string | undefined,
  where: string,
): Promise<LoraSpec | undefined> {
  const fromSection = section ? loraSpecOfSection(section, where) : undefined;
  if (adapter === undefined) return fromSection;
  const config = await readConfigFile(join(modelDir, 'config.json'));
  const settings = (await loadAdapter(adapter, config)).settings;
  if (fromSection) {
    const want = loraSettingsOf(fromSection, where);
    const key = (s: LoraSettings) => `rank ${s.rank}, alpha ${s.alpha}, targets ${[...s.targets].sort().join(' ')}`;
    if (key(want) !== key(settings))
      throw new CodError(
        'bad_input',
        `the adapter has ${key(settings)} but the curriculum's model.lora asks for ${key(want)}`,
        adapter,
      );
  }
  return fromSettings(settings, section?.seed ?? 0, adapter);
}
