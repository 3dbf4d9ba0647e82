import { terminal } from './main/envs/domains/terminal/index.ts';
import { codnessTable, formatCodnessTable } from './main/envs/domains/shared/codness.ts';
import { stableSeed } from './main/envs/seed.ts';
const p = terminal.openPack({ seed: stableSeed('x'), preset: 'paper', rendering: 'chat' });
for (let i = 0; i < 3; i++) {
const ep = p.startTask(i);
if (i === 0) console.log(ep.rules());
console.log('----'); console.log(JSON.stringify(ep.observation()));
const agent = terminal.scriptedAgent({ kind: 'oracle', seed: 's', noteNoise: 0 });
let r: any = { done: false };
while (!r.done) { const a = agent.act('Hints: null', ep.view()); r = ep.step(a); console.log('>', a, '=>', JSON.stringify(r.done ? r.feedback : r.observation)); }
}
console.log(formatCodnessTable(codnessTable(terminal, { preset: 'paper', packs: 40, rendering: 'chat' })));
