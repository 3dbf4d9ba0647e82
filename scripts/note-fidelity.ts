/**
 * Note fidelity of a FrozenLake run (compact rendering): for every update episode the run store holds, how many
 * codes its new notes pin to the direction the trajectory showed (right), to another one (wrong), without the
 * trajectory showing them (unobserved), and how many shown codes they leave out (missed); by step window and pack
 * position (main/envs/domains/frozenlake/note-fidelity.ts). Position 0 has no earlier notes, so there the notes can
 * only be right by reading the trajectory.
 *
 * Usage: npx node --import tsx scripts/note-fidelity.ts RUN_ID [--store FILE] [--every N=20] [--split train|eval]
 */
import { parseArgs } from 'node:util';
import { defaultStorePath } from '../main/training/locations.ts';
import { JOB_HEADER, TRAJECTORY_HEADER } from '../main/cod/hints.ts';
import { noteFidelity } from '../main/envs/domains/frozenlake/note-fidelity.ts';
import { openStore } from '../main/store/index.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { store: { type: 'string' }, every: { type: 'string' }, split: { type: 'string' } },
});
if (positionals.length !== 1) throw new Error('usage: note-fidelity.ts RUN_ID [--store FILE] [--every N] [--split S]');
const every = Number(values.every ?? 20);
const split = (values.split ?? 'train') as 'train' | 'eval';
const store = openStore(values.store ?? defaultStorePath());
type Row = { updates: number; right: number; wrong: number; unobserved: number; missed: number };
const rows = new Map<string, Row>();
try {
  for (const summary of store.listLifecycles(positionals[0], { split })) {
    if (summary.domain !== 'frozenlake') continue;
    for (const s of store.getLifecycle(summary.id).samples) {
      if (s.kind !== 'update') continue;
      const prompt = s.messages[s.messages.length - 1]?.content ?? '';
      const trajectory = prompt.split(TRAJECTORY_HEADER)[1]?.split(JOB_HEADER)[0] ?? '';
      const f = noteFidelity(trajectory, s.hintAfter ?? '');
      const from = Math.floor(summary.step / every) * every;
      const key = `${from}-${from + every - 1}\t${s.position}`;
      const r = rows.get(key) ?? { updates: 0, right: 0, wrong: 0, unobserved: 0, missed: 0 };
      rows.set(key, {
        updates: r.updates + 1,
        right: r.right + f.right,
        wrong: r.wrong + f.wrong,
        unobserved: r.unobserved + f.unobserved,
        missed: r.missed + f.missed,
      });
    }
  }
} finally {
  store.close();
}
console.log('steps\tpos\tupdates\tright\twrong\tunobserved\tmissed\tright/(right+wrong)');
const order = (k: string) => k.split(/[-\t]/).map(Number);
for (const [k, r] of [...rows].sort(([a], [b]) => order(a)[0] - order(b)[0] || order(a)[2] - order(b)[2]))
  console.log(
    `${k}\t${r.updates}\t${r.right}\t${r.wrong}\t${r.unobserved}\t${r.missed}\t${(r.right / Math.max(1, r.right + r.wrong)).toFixed(2)}`,
  );
