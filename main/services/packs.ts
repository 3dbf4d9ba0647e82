/**
 * Pack preview for the Curricula view: the first tasks of one pack of a built-in domain exactly as a lifecycle
 * would start them (rules and first observation), so a researcher sees what the model will face.
 */
import { CodError } from '../base/errors.ts';
import type { DomainView, PackPreview } from '../api/types.ts';
import { InProcessEnvHost } from '../envs/inprocess-host.ts';
import { getDomain, listDomains } from '../envs/registry.ts';
import type { Rendering } from '../envs/sdk.ts';
import { stableSeed } from '../envs/seed.ts';

export function listDomainViews(): DomainView[] {
  return listDomains().map((d) => ({
    id: d.id,
    title: d.title,
    description: d.description,
    presets: [...d.presets],
    defaultPreset: d.defaultPreset,
  }));
}

export async function previewPack(args: {
  domain: string;
  preset: string;
  seed: number;
  rendering: Rendering;
  packSize: number;
  options?: Record<string, unknown>;
}): Promise<PackPreview> {
  const domain = getDomain(args.domain);
  if (!domain.presets.includes(args.preset))
    throw new CodError(
      'bad_input',
      `domain '${domain.id}' has no preset '${args.preset}' (presets: ${domain.presets.join(', ')})`,
      'preset',
    );
  const host = new InProcessEnvHost([domain]);
  try {
    const pack = await host.openPack(domain.id, {
      // Same derivation as `cod envs play`, so a preview seed and a played seed show the same pack.
      seed: stableSeed('envs-play', domain.id, args.preset, args.seed),
      preset: args.preset,
      rendering: args.rendering,
      ...(args.options ? { options: args.options } : {}),
    });
    const tasks = [];
    try {
      for (let i = 0; i < args.packSize; i++) {
        const t = await pack.startTask(i);
        tasks.push({ index: i, taskId: t.taskId, maxTurns: t.maxTurns, rules: t.rules, observation: t.observation });
      }
    } finally {
      await pack.close();
    }
    return { domain: domain.id, preset: args.preset, seed: args.seed, tasks };
  } finally {
    await host.dispose();
  }
}
