/** PEFT adapter files: the config's fields as peft writes them, a save/load round trip, and refusals. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  adapterSpecs,
  initAdapter,
  loadAdapter,
  parseTargets,
  peftConfigJson,
  saveAdapter,
} from '../../../main/models/adapter.ts';
import { presetConfig } from '../../../main/models/presets.ts';

const config = presetConfig('tiny');
const settings = { rank: 4, alpha: 8, targets: parseTargets('q_proj,v_proj,down_proj', 't') };
const fixture = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'peft', 'lora-config-keys.json'), 'utf8'),
) as { keys: string[] };

describe('PEFT LoRA adapters', () => {
  it("adapter_config.json has exactly peft's LoraConfig fields (huggingface/peft@5d602fd), sorted", () => {
    const cfg = peftConfigJson(settings, 'base');
    expect(Object.keys(cfg)).toEqual(fixture.keys);
    expect(cfg).toMatchObject({
      peft_type: 'LORA',
      r: 4,
      lora_alpha: 8,
      target_modules: ['down_proj', 'q_proj', 'v_proj'],
    });
  });

  it('round-trips; tensor names are base_model.model.<module>.lora_A/B.weight', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cod-adapter-'));
    const a = initAdapter(config, settings, 7, 'random');
    await saveAdapter(dir, a, config);
    const b = await loadAdapter(dir, config);
    expect({ ...b.settings, targets: [...b.settings.targets].sort() }).toEqual({
      ...settings,
      targets: [...settings.targets].sort(),
    });
    expect([...b.weights.keys()]).toEqual(adapterSpecs(config, settings).map((s) => s.name));
    expect(b.weights.get('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight')).toEqual(
      a.weights.get('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight'),
    );
    // zero-b: B is zero, A is not.
    const z = initAdapter(config, settings, 7);
    expect(z.weights.get('base_model.model.model.layers.1.mlp.down_proj.lora_B.weight')!.every((x) => x === 0)).toBe(
      true,
    );
    expect(z.weights.get('base_model.model.model.layers.1.mlp.down_proj.lora_A.weight')!.some((x) => x !== 0)).toBe(
      true,
    );
  });

  it('refuses what it does not implement, naming the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cod-adapter-'));
    await saveAdapter(dir, initAdapter(config, settings, 1), config);
    const path = join(dir, 'adapter_config.json');
    const cfg = JSON.parse(readFileSync(path, 'utf8'));
    writeFileSync(path, JSON.stringify({ ...cfg, use_dora: true }));
    await expect(loadAdapter(dir, config)).rejects.toThrow(/use_dora \(DoRA\) is not supported/);
    writeFileSync(path, JSON.stringify({ ...cfg, target_modules: ['q_proj', 'attn.c_attn'] }));
    await expect(loadAdapter(dir, config)).rejects.toThrow(/unknown LoRA target module 'attn.c_attn'/);
    writeFileSync(path, JSON.stringify({ ...cfg, r: 0 }));
    await expect(loadAdapter(dir, config)).rejects.toThrow(/rank must be a positive integer, got 0/);
    writeFileSync(path, JSON.stringify({ ...cfg, r: 8 }));
    await expect(loadAdapter(dir, config)).rejects.toThrow(/has shape \[4, 128\] but this model needs \[8, 128\]/);
  });
});
