import { readingsOf } from './main/envs/domains/terminal/paper/agent.ts';
import { PaperTerminalEpisode } from './main/envs/domains/terminal/paper/episode.ts';
import { generatePaperTask } from './main/envs/domains/terminal/paper/task.ts';
const fails: Record<string, number> = {}; const counts: Record<string, number> = {};
for (let s = 0; s < 3000; s++) {
  const task = generatePaperTask(s * 7919, 0.5);
  counts[task.type] = (counts[task.type] ?? 0) + 1;
  const rs = readingsOf(task.description, task.os);
  let ok = false; const log: string[] = [];
  for (const r of rs) {
    const ep = new PaperTerminalEpisode('t', task, 12, 'chat');
    let res: any = { done: false };
    for (let t = 0; !res.done; t++) {
      const plan = r.plan.map((c) => c === 'ssh' ? `ssh ${task.remoteUser}@${task.remoteHost}` : c.replace(/ @:/g, ` ${task.remoteUser}@${task.remoteHost}:`));
      const cmd = plan[Math.min(t, plan.length - 1)];
      res = ep.step(cmd); log.push(`${r.name}> ${cmd} => ${res.done ? res.feedback : (ep.view() as any).output}`);
    }
    if (res.success) { ok = true; break; }
  }
  if (!ok) { fails[task.type] = (fails[task.type] ?? 0) + 1; if (fails[task.type] <= 1) console.log(task.os, task.description, '\n  ' + log.slice(0, 14).join('\n  ')); }
}
console.log(counts, fails);
