/**
 * `npm run demo`: the workbench's main job in one command. Trains the built-in model with CoD RL on the CPU demo
 * curriculum for a bounded time (DEMO_MINUTES, default 20), then compares the starting model with the trained
 * checkpoint on held-out packs (and in the Ralph loop) with `cod compare`: identical packs and seeds for both, the
 * per-position rewards with 95% intervals and the deltas. Ends by saying where the run is stored.
 */
import { join } from 'node:path';
import { APP_ROOT, BUILTIN_MODEL_DIR as BUILTIN } from '../main/training/locations.ts';
import { runCod as cod } from './cod-child.ts';

const CURRICULUM = process.env.DEMO_CURRICULUM ?? join(APP_ROOT, 'resources', 'curricula', 'cpu-demo.yaml');
const minutes = process.env.DEMO_MINUTES ?? '20';
const extra = process.argv.slice(2);

let runId = '';
let runDir = '';
let checkpoint = '';
console.log(`== 1/2 training the built-in model on the CPU demo curriculum for at most ${minutes} min ==`);
await cod(['train', CURRICULUM, '--max-minutes', minutes, '--events', ...extra], (line) => {
  let e: { event?: string; [k: string]: unknown };
  try {
    e = JSON.parse(line);
  } catch {
    console.log(line);
    return;
  }
  if (e.event === 'run') {
    runId = String(e.runId);
    runDir = String(e.runDir);
    console.log(`run ${runId} -> ${runDir}`);
  } else if (e.event === 'step') {
    const m = e.metrics as Record<string, number>;
    const pos = Object.keys(m)
      .filter((k) => k.startsWith('reward/pos'))
      .sort((x, y) => Number(x.slice(10)) - Number(y.slice(10)))
      .map((k) => m[k].toFixed(2))
      .join(' ');
    console.log(
      `step ${e.step}/${e.steps}  reward by position [${pos}]  hints parsed ${(m['hint/parse_rate'] ?? NaN).toFixed(2)}  ` +
        `loss ${(m.loss ?? NaN).toFixed(4)}  ${(m['time/rollout_s'] ?? 0).toFixed(0)}s rollout / ${(m['time/train_s'] ?? 0).toFixed(0)}s train`,
    );
  } else if (e.event === 'checkpoint') checkpoint = String(e.path);
  else if (e.event === 'done') console.log(`training ${e.status} at step ${e.lastStep}`);
});
if (!checkpoint) throw new Error('training saved no checkpoint');

console.log('\n== 2/2 before vs after on held-out packs (same packs and seeds for both) ==');
await cod(['compare', BUILTIN, checkpoint, '--curriculum', CURRICULUM]);
console.log(`\nThe run is stored in the run store as ${runId} (cod runs show ${runId}); checkpoints in ${runDir}.`);
