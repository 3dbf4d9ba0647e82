/**
 * onnxruntime sessions with execution-provider fallback. Providers are tried in the configured order
 * (default cuda -> webgpu -> cpu); a provider that fails at session creation is reported and skipped, and
 * the session says which provider actually runs it. Note: `session.run` blocks its thread; callers that must
 * stay responsive run sessions in a worker (main/workers).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { DType } from './dtype.ts';

export type ProviderName = 'cuda' | 'webgpu' | 'dml' | 'coreml' | 'cpu';
/** Tried in this order; a provider this build or machine lacks is reported and skipped (cpu always works). */
export const DEFAULT_PROVIDERS: readonly ProviderName[] = ['cuda', 'webgpu', 'dml', 'coreml', 'cpu'];

/** The providers named by COD_PROVIDERS (comma-separated), else the default order. */
export function providersFromEnv(env: NodeJS.ProcessEnv = process.env): readonly ProviderName[] {
  const raw = env.COD_PROVIDERS?.trim();
  if (!raw) return DEFAULT_PROVIDERS;
  const names = raw.split(',').map((x) => x.trim());
  for (const n of names)
    if (!DEFAULT_PROVIDERS.includes(n as ProviderName))
      throw new Error(`COD_PROVIDERS: unknown provider '${n}' (known: ${DEFAULT_PROVIDERS.join(', ')})`);
  return names as ProviderName[];
}

export interface SessionOptions {
  readonly providers?: readonly ProviderName[];
  /** Intra-op threads (default: all cores). */
  readonly threads?: number;
  /** Called once per provider that could not be used, with the reason. */
  readonly onFallback?: (provider: ProviderName, reason: string) => void;
  /**
   * Keep onnxruntime's CPU memory arena (default true: fastest). A training graph over long packed rows peaks at
   * gigabytes; with the arena, every cached session keeps its peak for good, so trainers turn it off.
   */
  readonly memArena?: boolean;
  /** Initializer bytes the model refers to as external data (emitModelWithData), handed over from memory. */
  readonly externalData?: ReadonlyArray<{ path: string; data: Uint8Array }>;
  /**
   * The folder of the files that file-backed initializers (TensorData.external as an ExternalFileRef) name. On the
   * CPU onnxruntime maps them instead of copying, so sessions over the same file share its pages.
   */
  readonly externalFolder?: string;
  /**
   * Outputs to keep in device memory where the provider can (WebGPU: 'gpu-buffer'); ignored on the CPU. Such
   * outputs come back as HostTensor with `device` set and can be fed to the next run without a copy.
   */
  readonly deviceOutputs?: readonly string[];
  /**
   * onnxruntime pre-packs constant matrix operands into a second layout per use; for frozen base weights used by the
   * forward and the backward GEMMs that is one or two extra float32 copies of the whole model. Off for LoRA sessions.
   */
  readonly prepack?: boolean;
}

export type HostArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array | Uint16Array;

export interface HostTensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: HostArray;
  /** A device-resident onnxruntime tensor (WebGPU 'gpu-buffer' output): `data` is empty until downloaded. */
  readonly device?: unknown;
}

/** The host copy of a tensor that may live on the device. */
export async function download(t: HostTensor): Promise<HostArray> {
  if (!t.device) return t.data;
  return (await (t.device as ort.Tensor).getData(true)) as HostArray;
}

/**
 * Why a provider cannot load here, checked without asking onnxruntime (whose failed loads print native errors):
 * CUDA's provider library must sit beside the binding (onnxruntime-node's opt-in install), and on Linux WebGPU needs
 * a Vulkan loader. Undefined = worth trying.
 */
export function providerMissing(p: ProviderName): string | undefined {
  const available = ort.listSupportedBackends().map((b) => b.name);
  if (!available.includes(p)) return `not in this onnxruntime-node build (available: ${available.join(', ')})`;
  if (p === 'cuda') {
    const pkg = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
    const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    const at = join(pkg, 'bin', 'napi-v6', process.platform, process.arch, lib);
    if (!existsSync(at))
      return `CUDA provider library not installed (${lib}; reinstall with ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci)`;
  }
  if (p === 'webgpu' && process.platform === 'linux') {
    const dirs = [
      ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
      '/usr/lib/x86_64-linux-gnu',
      '/usr/lib/aarch64-linux-gnu',
      '/usr/lib64',
      '/usr/lib',
      '/lib/x86_64-linux-gnu',
      '/usr/local/lib',
    ];
    if (!dirs.some((d) => existsSync(join(d, 'libvulkan.so.1')))) return 'no Vulkan loader (libvulkan.so.1) found';
  }
  return undefined;
}

export class EngineSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly provider: ProviderName,
    readonly fallbacks: ReadonlyArray<{ provider: ProviderName; reason: string }>,
  ) {}

  static async create(model: Uint8Array, opts: SessionOptions = {}): Promise<EngineSession> {
    const order = opts.providers ?? DEFAULT_PROVIDERS;
    const fallbacks: Array<{ provider: ProviderName; reason: string }> = [];
    for (const p of order) {
      const missing = providerMissing(p);
      if (missing) {
        fallbacks.push({ provider: p, reason: missing });
        opts.onFallback?.(p, missing);
        continue;
      }
      try {
        const session = await ort.InferenceSession.create(model, {
          executionProviders: [p],
          ...(opts.externalData
            ? { externalData: opts.externalData.map((e) => ({ path: e.path, data: e.data })) }
            : {}),
          ...(p === 'webgpu' && opts.deviceOutputs?.length
            ? {
                preferredOutputLocation: Object.fromEntries(opts.deviceOutputs.map((o) => [o, 'gpu-buffer' as const])),
              }
            : {}),
          intraOpNumThreads: opts.threads ?? 0,
          interOpNumThreads: 1,
          executionMode: 'sequential',
          graphOptimizationLevel: 'all',
          // Worker threads that spin between ops steal the core the JS thread (sampling, scheduling) needs on a
          // small machine: on 2 cores, turning spinning off doubled the sampler's decode rate at batch 1 and 8
          // (`node --import tsx scripts/bench-rollout.ts --quick --threads 2`, docs/benchmarks.md).
          extra: {
            session: {
              intra_op: { allow_spinning: '0' },
              ...(opts.prepack === false ? { disable_prepacking: '1' } : {}),
              ...(opts.externalFolder ? { model_external_initializers_file_folder_path: opts.externalFolder } : {}),
            },
          },
          enableCpuMemArena: opts.memArena ?? true,
          // The memory-pattern planner places every initializer at session creation in time quadratic in their
          // count (4 layers of the Qwen3-0.6B shape at T = 8192: 14.5 s of 22 s; 0.55 s without), and our shapes
          // change between runs, where a recorded pattern does not apply. The arena serves the allocations instead
          // (`cod engine bench --sizes small`, run twice each way through a temporary switch that was not kept:
          // 5063 / 4781 tokens/s with it, 4951 / 5874 without, within the machine's noise).
          enableMemPattern: false,
          // onnxruntime logs its own provider-load failures at error level; we report them once, clearly, instead.
          logSeverityLevel: p === 'cpu' ? 2 : 4,
        });
        return new EngineSession(session, p, fallbacks);
      } catch (e) {
        const reason = (e as Error).message.split('\n')[0];
        fallbacks.push({ provider: p, reason });
        opts.onFallback?.(p, reason);
      }
    }
    throw new Error(
      `no execution provider could run the model: ${fallbacks.map((f) => `${f.provider}: ${f.reason}`).join('; ')}`,
    );
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  async run(feeds: Record<string, HostTensor>, outputs?: readonly string[]): Promise<Record<string, HostTensor>> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [k, t] of Object.entries(feeds)) {
      if (t.device) {
        ortFeeds[k] = t.device as ort.Tensor;
        continue;
      }
      if (t.dtype === 'bfloat16') throw new Error(`feed '${k}': onnxruntime-node takes no bfloat16 inputs`);
      ortFeeds[k] = new ort.Tensor(t.dtype, t.data, t.shape as number[]);
    }
    const res = outputs ? await this.session.run(ortFeeds, outputs as string[]) : await this.session.run(ortFeeds);
    const out: Record<string, HostTensor> = {};
    for (const [k, t] of Object.entries(res)) {
      if (t.location === 'gpu-buffer') {
        // Stays on the device; `data` is read back only when the host asks (HostTensor.download).
        out[k] = { dtype: t.type as DType, shape: [...t.dims], data: new Float32Array(0), device: t };
        continue;
      }
      out[k] = { dtype: t.type as DType, shape: [...t.dims], data: t.data as HostArray };
      t.dispose?.();
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

export function f32(shape: readonly number[], data: ArrayLike<number>): HostTensor {
  return { dtype: 'float32', shape, data: data instanceof Float32Array ? data : Float32Array.from(data) };
}

export function f64(shape: readonly number[], data: ArrayLike<number>): HostTensor {
  return { dtype: 'float64', shape, data: data instanceof Float64Array ? data : Float64Array.from(data) };
}

export function i64(shape: readonly number[], data: ArrayLike<number>): HostTensor {
  return { dtype: 'int64', shape, data: BigInt64Array.from(Array.from(data, (x) => BigInt(x))) };
}
