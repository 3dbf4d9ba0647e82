/**
 * `cod doctor`: which onnxruntime execution providers load on this machine, how to enable CUDA, and (with --model)
 * the adapter size and a memory estimate of one training step at a context length.
 */
import { join } from 'node:path';
import { DEFAULT_PROVIDERS, emitModel, EngineSession, Graph, add } from '../../engine/index.ts';
import { checkLoraSettings, parseTargets } from '../../models/adapter.ts';
import { readCheckpointTensorInfo } from '../../models/checkpoint-files.ts';
import { readConfigFile } from '../../models/config.ts';
import { estimateStepMemory } from '../../models/memory-estimate.ts';
import { DTYPE_SIZE } from '../../models/safetensors.ts';
import { flagTable, intFlag, numberFlag, parseFlags } from '../args.ts';
import type { CliCommand } from '../command.ts';

/** Tries a one-op session on each provider: what loads here, and why the others do not. */
export async function probeProviders(): Promise<Array<{ provider: string; ok: boolean; reason?: string }>> {
  const g = new Graph('probe');
  const x = g.input('x', 'float32', [2]);
  g.output('y', add(x, x));
  const model = emitModel(g);
  const out: Array<{ provider: string; ok: boolean; reason?: string }> = [];
  for (const p of DEFAULT_PROVIDERS) {
    try {
      const s = await EngineSession.create(model, { providers: [p] });
      const r = await s.run({ x: { dtype: 'float32', shape: [2], data: Float32Array.of(1, 2) } });
      await s.release();
      out.push({ provider: p, ok: (r.y.data as Float32Array)[1] === 4 });
    } catch (e) {
      const msg = (e as Error).message.replace(/^no execution provider[^:]*: /, '');
      out.push({ provider: p, ok: false, reason: msg.startsWith(`${p}: `) ? msg.slice(p.length + 2) : msg });
    }
  }
  return out;
}

const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;

export const doctor: CliCommand = {
  path: ['doctor'],
  summary: 'Execution providers that load here, how to enable CUDA, and a LoRA memory estimate for a model',
  usage:
    '[--model DIR [--context T] [--rank R] [--alpha A] [--targets LIST] [--full]] [--json]\n\n' +
    '  --full estimates full fine-tuning instead of LoRA (default LoRA rank 16 on all-linear, T = 4096).',
  async run(argv) {
    const { values } = parseFlags(argv, flagTable(['model', 'context', 'rank', 'alpha', 'targets'], ['full', 'json']));
    const providers = await probeProviders();
    const report: Record<string, unknown> = { providers };
    const lines: string[] = ['execution providers (tried in this order by training and sampling sessions):'];
    for (const p of providers)
      lines.push(`  ${p.ok ? 'ok  ' : 'no  '} ${p.provider}${p.reason ? `: ${p.reason}` : ''}`);
    lines.push(
      '',
      'GPU: onnxruntime-node bundles the CPU and WebGPU providers (WebGPU needs a Vulkan loader and a GPU on Linux).',
      'CUDA: reinstall with the CUDA 12 provider libraries (needs network access to their download):',
      '  ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci     (.npmrc sets onnxruntime-node-install=skip by default)',
      'Choose the order with COD_PROVIDERS=cuda,webgpu,cpu; a provider that fails falls back to the next, with a message.',
    );
    if (values.model) {
      const config = await readConfigFile(join(values.model, 'config.json'));
      const info = await readCheckpointTensorInfo(values.model);
      const stored = [...info.values()].reduce((a, t) => a + DTYPE_SIZE[t.dtype], 0) / Math.max(1, info.size);
      const context = intFlag(values.context, 'context', 4096);
      const lora = values.full
        ? undefined
        : {
            rank: intFlag(values.rank, 'rank', 16),
            alpha: numberFlag(values.alpha, 'alpha', 32),
            targets: parseTargets(values.targets ?? 'all-linear', '--targets'),
          };
      if (lora) checkLoraSettings(lora, 'doctor');
      const est = estimateStepMemory(config, context, { lora, storedBytesPerParam: stored, recomputeLayers: true });
      report.estimate = { context, lora: lora ?? null, ...est };
      lines.push(
        '',
        `${values.model}: ${config.architecture}, ${est.parameters.toLocaleString('en-US')} parameters` +
          (lora
            ? `; LoRA rank ${lora.rank} on ${lora.targets.join(', ')}: ${est.adapterParameters.toLocaleString('en-US')} adapter parameters`
            : '; full fine-tuning'),
        `estimated peak memory of one training step at T = ${context} (recomputed layers): ${gib(est.totalBytes)}`,
        ...Object.entries(est.parts).map(([k, v]) => `  ${gib(v).padStart(10)}  ${k}`),
      );
    }
    console.log(values.json ? JSON.stringify(report, null, 2) : lines.join('\n'));
    return 0;
  },
};
