/**
 * tinker:// paths name saved weights: `tinker://<model_id>/weights/<name>` (training state, for load_weights) and
 * `tinker://<model_id>/sampler_weights/<name>` (for sampling). SkyRL also accepts `tinker://<model_id>/<name>` for
 * sampler weights; so do we when reading.
 */
import { CodError } from '../base/errors.ts';
import { CHECKPOINT_NAME } from './wire.ts';

export type WeightsKind = 'weights' | 'sampler_weights';

export interface TinkerPath {
  readonly modelId: string;
  readonly kind: WeightsKind;
  readonly name: string;
}

export function formatTinkerPath(p: TinkerPath): string {
  return `tinker://${p.modelId}/${p.kind}/${p.name}`;
}

export function parseTinkerPath(path: string, expect: WeightsKind, where = 'path'): TinkerPath {
  const m = /^tinker:\/\/([^/]+)\/(?:(weights|sampler_weights)\/)?([^/]+)$/.exec(path);
  const kind = (m?.[2] ?? 'sampler_weights') as WeightsKind;
  if (!m || kind !== expect || !CHECKPOINT_NAME.test(m[1]) || !CHECKPOINT_NAME.test(m[3]))
    throw new CodError('bad_input', `must be tinker://MODEL_ID/${expect}/NAME, got '${path}'`, where);
  return { modelId: m[1], kind, name: m[3] };
}

/** A path of either kind, named in full (tinker://ID/weights/NAME or tinker://ID/sampler_weights/NAME). */
export function parseSavedPath(path: string, where = 'path'): TinkerPath {
  const kind = /^tinker:\/\/[^/]+\/weights\//.test(path) ? 'weights' : 'sampler_weights';
  const p = parseTinkerPath(path, kind, where);
  if (!path.includes(`/${kind}/`))
    throw new CodError(
      'bad_input',
      `must be tinker://MODEL_ID/weights/NAME or …/sampler_weights/NAME, got '${path}'`,
      where,
    );
  return p;
}
