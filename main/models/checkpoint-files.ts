/**
 * The weight files of a Hugging Face checkpoint directory: one `model.safetensors`, or shards listed by
 * `model.safetensors.index.json` (`{"weight_map": {tensor: shard file}}`). Also the tensor names and shapes each
 * supported architecture needs, so import and load check a checkpoint the same way.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CodError } from '../base/errors.ts';
import type { ModelConfig } from './config.ts';
import { readSafetensorsFile, readSafetensorsHeader, type NamedTensor, type SafetensorsDtype } from './safetensors.ts';

export const SINGLE_WEIGHTS_FILE = 'model.safetensors';
export const WEIGHTS_INDEX_FILE = 'model.safetensors.index.json';

/** Where the weights of a checkpoint directory are: the files, and (when sharded) which file holds which tensor. */
export interface WeightFiles {
  files: string[];
  /** Tensor name -> file name, from the index; undefined for a single-file checkpoint. */
  weightMap?: Map<string, string>;
}

/** One tensor's header entry, with the file it lives in. */
export interface TensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  file: string;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** A shard name must be a plain file name in the checkpoint dir: an index must not reach outside it. */
function checkShardName(name: string, where: string, tensor: string): void {
  if (!/^[^/\\]+\.safetensors$/.test(name) || name === '..' || name.startsWith('.')) {
    throw new CodError('bad_checkpoint', `tensor '${tensor}' maps to '${name}', not a .safetensors file name`, where);
  }
}

/** Finds the weight files of a checkpoint directory; a missing dir, missing weights or a bad index is a CodError. */
export async function locateWeightFiles(dir: string): Promise<WeightFiles> {
  try {
    if (!(await stat(dir)).isDirectory()) throw new CodError('bad_checkpoint', 'not a directory', dir);
  } catch (e) {
    if (e instanceof CodError) throw e;
    throw new CodError('not_found', 'checkpoint directory not found', dir);
  }
  const indexPath = join(dir, WEIGHTS_INDEX_FILE);
  if (await isFile(indexPath)) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(indexPath, 'utf8'));
    } catch (e) {
      throw new CodError('bad_checkpoint', `not valid JSON (${(e as Error).message})`, indexPath);
    }
    const map = (json as { weight_map?: unknown } | null)?.weight_map;
    if (map === null || typeof map !== 'object' || Array.isArray(map)) {
      throw new CodError('bad_checkpoint', 'missing "weight_map" object', indexPath);
    }
    const weightMap = new Map<string, string>();
    for (const [tensor, file] of Object.entries(map as Record<string, unknown>)) {
      if (typeof file !== 'string') {
        throw new CodError('bad_checkpoint', `weight_map entry for '${tensor}' must be a file name`, indexPath);
      }
      checkShardName(file, indexPath, tensor);
      weightMap.set(tensor, file);
    }
    const files = [...new Set(weightMap.values())].sort();
    for (const f of files) {
      if (!(await isFile(join(dir, f)))) {
        throw new CodError('bad_checkpoint', `shard '${f}' listed in ${WEIGHTS_INDEX_FILE} is missing`, join(dir, f));
      }
    }
    return { files, weightMap };
  }
  if (await isFile(join(dir, SINGLE_WEIGHTS_FILE))) return { files: [SINGLE_WEIGHTS_FILE] };
  if (await isFile(join(dir, 'pytorch_model.bin'))) {
    throw new CodError(
      'unsupported',
      'only safetensors weights are supported; convert pytorch_model.bin to model.safetensors first',
      join(dir, 'pytorch_model.bin'),
    );
  }
  throw new CodError('bad_checkpoint', `no weights: neither ${SINGLE_WEIGHTS_FILE} nor ${WEIGHTS_INDEX_FILE}`, dir);
}

/**
 * Checks that the files and the index agree: every indexed tensor is in its shard, every shard tensor is
 * indexed to that shard, and no tensor appears twice.
 */
function crossCheck(
  dir: string,
  located: WeightFiles,
  perFile: ReadonlyArray<{ file: string; names: readonly string[] }>,
): void {
  const seen = new Map<string, string>();
  for (const { file, names } of perFile) {
    for (const name of names) {
      const other = seen.get(name);
      if (other !== undefined) {
        throw new CodError('bad_checkpoint', `tensor '${name}' appears in both ${other} and ${file}`, join(dir, file));
      }
      seen.set(name, file);
      const indexed = located.weightMap?.get(name);
      if (located.weightMap && indexed !== file) {
        throw new CodError(
          'bad_checkpoint',
          `tensor '${name}' is in ${file} but ${WEIGHTS_INDEX_FILE} maps it to ${indexed ?? 'nothing'}`,
          join(dir, file),
        );
      }
    }
  }
  for (const [name, file] of located.weightMap ?? []) {
    if (seen.get(name) !== file) {
      throw new CodError(
        'bad_checkpoint',
        `tensor '${name}' listed in ${WEIGHTS_INDEX_FILE} is not in ${file}`,
        join(dir, file),
      );
    }
  }
}

/** Reads only the headers of a checkpoint's weight files: names, dtypes, shapes. Cheap for any model size. */
export async function readCheckpointTensorInfo(dir: string): Promise<Map<string, TensorInfo>> {
  const located = await locateWeightFiles(dir);
  const perFile: Array<{ file: string; names: string[] }> = [];
  const out = new Map<string, TensorInfo>();
  for (const file of located.files) {
    const header = await readSafetensorsHeader(join(dir, file));
    perFile.push({ file, names: header.entries.map((e) => e.name) });
    for (const e of header.entries) out.set(e.name, { name: e.name, dtype: e.dtype, shape: e.shape, file });
  }
  crossCheck(dir, located, perFile);
  return out;
}

/**
 * Read the weights of an HF checkpoint dir: model.safetensors, or shards via model.safetensors.index.json. Headers
 * are read and cross-checked first; `only` (when given) limits which tensors' data is read at all.
 */
export async function readCheckpointWeights(
  dir: string,
  only?: ReadonlySet<string>,
): Promise<Map<string, NamedTensor>> {
  const info = await readCheckpointTensorInfo(dir);
  const byFile = new Map<string, Set<string>>();
  for (const t of info.values()) {
    if (only && !only.has(t.name)) continue;
    let set = byFile.get(t.file);
    if (!set) byFile.set(t.file, (set = new Set()));
    set.add(t.name);
  }
  const out = new Map<string, NamedTensor>();
  for (const [file, names] of byFile) {
    const { tensors } = await readSafetensorsFile(join(dir, file), names);
    for (const t of tensors) out.set(t.name, t);
  }
  return out;
}

/**
 * Every tensor a checkpoint of this config must hold, with its shape (HF layout: Linear weights are
 * [out_features, in_features]).
 */
export function expectedTensorShapes(c: ModelConfig): Map<string, number[]> {
  const m = new Map<string, number[]>();
  const q = c.numHeads * c.headDim;
  const kv = c.numKvHeads * c.headDim;
  m.set('model.embed_tokens.weight', [c.vocabSize, c.hiddenSize]);
  for (let i = 0; i < c.numLayers; i++) {
    const p = `model.layers.${i}`;
    m.set(`${p}.input_layernorm.weight`, [c.hiddenSize]);
    m.set(`${p}.self_attn.q_proj.weight`, [q, c.hiddenSize]);
    m.set(`${p}.self_attn.k_proj.weight`, [kv, c.hiddenSize]);
    m.set(`${p}.self_attn.v_proj.weight`, [kv, c.hiddenSize]);
    m.set(`${p}.self_attn.o_proj.weight`, [c.hiddenSize, q]);
    if (c.attentionBias) {
      m.set(`${p}.self_attn.q_proj.bias`, [q]);
      m.set(`${p}.self_attn.k_proj.bias`, [kv]);
      m.set(`${p}.self_attn.v_proj.bias`, [kv]);
    }
    if (c.qkNorm) {
      m.set(`${p}.self_attn.q_norm.weight`, [c.headDim]);
      m.set(`${p}.self_attn.k_norm.weight`, [c.headDim]);
    }
    m.set(`${p}.post_attention_layernorm.weight`, [c.hiddenSize]);
    m.set(`${p}.mlp.gate_proj.weight`, [c.intermediateSize, c.hiddenSize]);
    m.set(`${p}.mlp.up_proj.weight`, [c.intermediateSize, c.hiddenSize]);
    m.set(`${p}.mlp.down_proj.weight`, [c.hiddenSize, c.intermediateSize]);
  }
  m.set('model.norm.weight', [c.hiddenSize]);
  if (!c.tieWordEmbeddings) m.set('lm_head.weight', [c.vocabSize, c.hiddenSize]);
  return m;
}

/** Tensors some exporters add that carry nothing the model needs (recomputed RoPE tables). */
const IGNORABLE = /^model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq$/;

const FLOAT_DTYPES: ReadonlySet<SafetensorsDtype> = new Set(['F32', 'F16', 'BF16', 'F64']);

/**
 * Checks a checkpoint's tensors against its config: each required tensor present, of a float dtype and the right
 * shape; nothing unexpected (a stray tensor usually means the config belongs to another model). A tied checkpoint
 * may still carry lm_head.weight. `where` names the checkpoint in errors. Returns the ignored tensor names.
 */
export function checkTensorsAgainstConfig(
  tensors: ReadonlyMap<string, { dtype: SafetensorsDtype; shape: readonly number[]; file?: string }>,
  config: ModelConfig,
  where: string,
): string[] {
  const expected = expectedTensorShapes(config);
  for (const [name, shape] of expected) {
    const t = tensors.get(name);
    if (!t) throw new CodError('bad_checkpoint', `missing tensor '${name}' (shape [${shape.join(', ')}])`, where);
    const at = t.file ? join(where, t.file) : where;
    if (!FLOAT_DTYPES.has(t.dtype)) {
      throw new CodError('bad_checkpoint', `tensor '${name}' has dtype ${t.dtype}, expected a float dtype`, at);
    }
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new CodError(
        'bad_checkpoint',
        `tensor '${name}' has shape [${t.shape.join(', ')}], config.json implies [${shape.join(', ')}]`,
        at,
      );
    }
  }
  const ignored: string[] = [];
  for (const [name, t] of tensors) {
    if (expected.has(name)) continue;
    const tiedHead = name === 'lm_head.weight' && config.tieWordEmbeddings;
    if (tiedHead || IGNORABLE.test(name)) {
      ignored.push(name);
      continue;
    }
    throw new CodError(
      'bad_checkpoint',
      `unexpected tensor '${name}' for a ${config.architecture} config with ${config.numLayers} layers`,
      t.file ? join(where, t.file) : where,
    );
  }
  return ignored;
}
