/**
 * Supervised warm-start data from the scripted oracle (environments.md: "The oracle's traces are also the
 * supervised warm-start data"): its lifecycles played through the real runner, one JSON line per model call with
 * the chat messages (the prompt) and the response, so a trainer renders them with its chat template.
 */
import type { EnvHost } from '../envs/host.ts';
import type { DomainWithAgents, Rendering } from '../envs/sdk.ts';
import { lifecycleConfig } from './config.ts';
import { planPacks } from './packs.ts';
import type { ChatMessage, EpisodeKind } from './policy.ts';
import type { CallRecord } from './records.ts';
import { runRollout } from './rollout.ts';
import { ScriptedPolicy } from './scripted-policy.ts';

export interface TraceLine {
  readonly domain: string;
  readonly preset: string;
  readonly rendering: Rendering;
  readonly packId: string;
  readonly lifecycleId: string;
  readonly position: number;
  readonly kind: EpisodeKind;
  readonly turn: number;
  readonly messages: readonly ChatMessage[];
  readonly response: string;
  /** The episode's reward (task reward for solve calls, r^z for updates), so a trainer can filter. */
  readonly reward: number;
  readonly outcome: string;
}

export interface TraceExportArgs {
  readonly domain: DomainWithAgents;
  readonly host: EnvHost;
  readonly preset: string;
  readonly packs: number;
  readonly packSize: number;
  readonly seed: string;
  readonly noteNoise: number;
  readonly rendering: Rendering;
  /** Receives each line in a stable order (pack by pack, call by call). */
  readonly write: (line: TraceLine) => void | Promise<void>;
  readonly onProgress?: (done: number, total: number) => void;
  /** Packs per rollout chunk: bounds memory on long exports. */
  readonly chunk?: number;
}

export interface TraceExportSummary {
  readonly lines: number;
  readonly lifecycles: number;
  readonly failedLifecycles: number;
}

export function traceLine(r: CallRecord, preset: string, rendering: Rendering): TraceLine {
  return {
    domain: r.domain,
    preset,
    rendering,
    packId: r.packId,
    lifecycleId: r.lifecycleId,
    position: r.position,
    kind: r.episodeKind,
    turn: r.turn,
    messages: r.messages,
    response: r.response,
    reward: r.reward,
    outcome: r.outcome,
  };
}

export async function exportTraces(a: TraceExportArgs): Promise<TraceExportSummary> {
  const all = planPacks({
    datasetId: `traces-${a.seed}`,
    domain: a.domain.id,
    preset: a.preset,
    split: 'train',
    strategy: 'cod',
    packSize: a.packSize,
    count: a.packs,
  });
  const policy = new ScriptedPolicy(a.domain, { kind: 'oracle', seed: `traces-${a.seed}`, noteNoise: a.noteNoise });
  const config = lifecycleConfig({ rendering: a.rendering, memory: 'notes' });
  const chunk = a.chunk ?? 64;
  let lines = 0;
  let failed = 0;
  let done = 0;
  for (let i = 0; i < all.length; i += chunk) {
    const r = await runRollout({
      host: a.host,
      policy,
      packs: all.slice(i, i + chunk),
      groupSize: 1,
      config,
      seed: `traces-${a.seed}`,
      onLifecycle: () => a.onProgress?.(++done, all.length),
    });
    for (const l of r.lifecycles) {
      // A faulted lifecycle is not a demonstration of the oracle: leave it out entirely.
      if (l.error) {
        failed++;
        continue;
      }
      for (const rec of l.records) {
        await a.write(traceLine(rec, a.preset, a.rendering));
        lines++;
      }
    }
  }
  return { lines, lifecycles: all.length, failedLifecycles: failed };
}
