import { describe, expect, it } from 'vitest';
import { parseClaims } from '../../../main/envs/domains/frozenlake/knowledge.ts';
import { frozenLakeDrills } from '../../../main/training/drills.ts';

describe('FrozenLake note-reading drills', () => {
  it('answer each observation as the oracle does: a direction (nearly always on the route) and the code the notes give it', () => {
    const drills = frozenLakeDrills({ count: 40, seed: 't', turns: 4 });
    expect(drills).toHaveLength(40);
    expect(frozenLakeDrills({ count: 40, seed: 't', turns: 4 })).toEqual(drills);
    expect(frozenLakeDrills({ count: 40, seed: 'u', turns: 4 })).not.toEqual(drills);
    let looked = 0;
    let explored = 0;
    let onRoute = 0;
    for (const d of drills) {
      expect(d.map((m) => m.role)).toEqual(['system', ...Array(4).fill(['user', 'assistant']).flat()]);
      const claims = parseClaims(d[0].content.split('Hints: ')[1]);
      for (let t = 1; t < d.length; t += 2) {
        const route = /^route: (.+)$/m.exec(d[t].content)![1].split(' ');
        const m = /^(?:go (\w+) ([1-4])|explore): <answer>Direction ([1-4])<\/answer>$/.exec(d[t + 1].content);
        expect(m, d[t + 1].content).not.toBeNull();
        const [, thought, said, code] = m!;
        if (thought === undefined) {
          explored++;
          continue;
        }
        looked++;
        expect(said).toBe(code);
        // The oracle plans under uncertainty: with some codes unknown it may take a known safe detour.
        if (route.includes(thought)) onRoute++;
        // The code is the one the notes name for that direction, or the only one left once the others are named.
        const named = claims.find((c) => c.dirs.length === 1 && c.dirs[0] === thought);
        if (named) expect(Number(code)).toBe(named.code);
        else expect(claims.map((c) => c.code)).not.toContain(Number(code));
      }
    }
    expect(looked).toBeGreaterThan(explored);
    expect(onRoute / looked).toBeGreaterThan(0.9);
  });
});
