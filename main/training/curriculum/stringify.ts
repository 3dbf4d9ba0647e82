/**
 * Curriculum → YAML, for the UI's save: fields in the schema's order, defaults written out (so a saved file
 * says exactly what will run), and parseCurriculum(stringifyCurriculum(c)) gives back `c`.
 */
import { stringify } from 'yaml';
import type { Curriculum } from './schema.ts';

export function stringifyCurriculum(c: Curriculum): string {
  const doc = {
    name: c.name,
    ...(c.description !== undefined ? { description: c.description } : {}),
    rendering: c.rendering,
    memory: c.memory,
    train: {
      domains: c.train.domains.map((d) => ({
        id: d.id,
        weight: d.weight,
        preset: d.preset,
        ...(d.options !== undefined ? { options: d.options } : {}),
      })),
      packStrategy: c.train.packStrategy,
      packSize: c.train.packSize,
      groupSize: c.train.groupSize,
      packsPerStep: c.train.packsPerStep,
    },
    ...(c.prompts !== undefined ? { prompts: c.prompts } : {}),
    ...(c.lifecycle !== undefined ? { lifecycle: c.lifecycle } : {}),
    evals: c.evals.map((e) => ({
      name: e.name,
      kind: e.kind,
      domain: e.domain,
      preset: e.preset,
      ...(e.options !== undefined ? { options: e.options } : {}),
      packSize: e.packSize,
      packs: e.packs,
      seeds: e.seeds,
      packStrategy: e.packStrategy,
    })),
    ...(c.plugins !== undefined ? { plugins: c.plugins } : {}),
    training: c.training,
    ...(c.model !== undefined ? { model: c.model } : {}),
    ...(c.backend !== undefined ? { backend: c.backend } : {}),
  };
  // lineWidth 0: never fold long strings (prompt templates must come back byte for byte).
  return stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
}
