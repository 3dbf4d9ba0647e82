/**
 * A reproducible transcript of a pack played by a scripted agent: rules, observations, views, step results.
 * Its sha256 digest lets two processes (or two checkpoints' eval workers) confirm they rebuilt the same pack.
 */
import { createHash } from 'node:crypto';
import type { DomainWithAgents, OpenPackArgs, ScriptedAgentKind } from '../../main/envs/sdk.ts';

export function packTranscript(
  domain: DomainWithAgents,
  pack: OpenPackArgs,
  tasks: number,
  agent: { kind: ScriptedAgentKind; seed: string },
): string[] {
  const opened = domain.openPack(pack);
  const player = domain.scriptedAgent({ ...agent, noteNoise: 0 });
  const lines: string[] = [];
  let hints = 'Hints: null';
  for (let j = 0; j < tasks; j++) {
    const ep = opened.startTask(j);
    lines.push(JSON.stringify({ task: ep.taskId, maxTurns: ep.maxTurns, rules: ep.rules(), obs: ep.observation() }));
    for (let turn = 0; turn <= ep.maxTurns; turn++) {
      const view = ep.view();
      const action = player.act(hints, view);
      const result = ep.step(action);
      lines.push(JSON.stringify({ action, view, result, turns: ep.turnsUsed() }));
      if (result.done) {
        hints = 'Hints: ' + player.writeNotes(hints, ep.view(), result);
        lines.push(JSON.stringify({ hints }));
        break;
      }
    }
  }
  return lines;
}

export function transcriptDigest(lines: readonly string[]): string {
  const h = createHash('sha256');
  for (const l of lines) h.update(l + '\n');
  return h.digest('hex');
}
