/** Form edits applied to a curriculum's YAML keep its comments, key order and layout. */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { applyFormEdit, formValues, getAt, setAt } from '../../../renderer/src/lib/yaml-doc.ts';

const TEXT = `# A run that finishes on a laptop.
name: cpu-demo
description: >-
  A description long enough to be folded over two lines by whoever wrote it, which a re-layout
  would join into one.
rendering: compact # short prompts
train:
  domains:
    - id: frozenlake # the warm-start domain
      weight: 1
      preset: train
  packSize: 4
  groupSize: 4 # the baseline is the mean of 4 rollouts
evals:
  - name: held
    kind: in_domain
    domain: frozenlake
    seeds: [1, 2, 3] # 3 draws
training:
  steps: 200
  lr: 1.5e-4
`;

function edit(text: string, change: (v: Record<string, unknown>) => void): string {
  const before = formValues(text);
  if (!before.ok) throw new Error(before.error);
  const after = structuredClone(before.value);
  change(after);
  return applyFormEdit(text, before.value, after);
}

describe('applyFormEdit', () => {
  it('changes values where they stand and nothing else: every comment, fold and the key order stay', () => {
    const out = edit(TEXT, (v) => setAt(v, ['train', 'groupSize'], 8));
    expect(out).toBe(TEXT.replace('groupSize: 4 #', 'groupSize: 8 #'));
    const two = edit(TEXT, (v) => {
      setAt(v, ['train', 'domains', 0, 'id'], 'alchemy');
      setAt(v, ['training', 'lr'], 3e-4);
      setAt(v, ['name'], 'needs: quoting');
    });
    expect(two).toBe(
      TEXT.replace('id: frozenlake #', 'id: alchemy #')
        .replace('lr: 1.5e-4', 'lr: 0.0003')
        .replace('name: cpu-demo', 'name: "needs: quoting"'),
    );
  });

  it('adds a key after the existing ones, removes a cleared one, keeps a flow list on one line', () => {
    const out = edit(TEXT, (v) => {
      setAt(v, ['train', 'packsPerStep'], 2);
      setAt(v, ['training', 'lr'], '');
      setAt(v, ['evals', 0, 'seeds'], [4, 5]);
    });
    expect(out).toContain('  groupSize: 4 # the baseline is the mean of 4 rollouts\n  packsPerStep: 2\n');
    expect(out).not.toContain('lr:');
    expect(out).toContain('seeds: [4, 5] # 3 draws');
    // A structural edit goes through the Document: comments and order stay (a folded text may be re-laid out).
    expect(out.startsWith('# A run that finishes on a laptop.\nname: cpu-demo\n')).toBe(true);
    expect(out).toContain('\nrendering: compact # short prompts\n');
    expect(parse(out)).toMatchObject({ train: { packsPerStep: 2 }, training: { steps: 200 } });
  });

  it('adds and removes list items (a new eval suite, a removed domain)', () => {
    const out = edit(TEXT, (v) => {
      (getAt(v, ['evals']) as unknown[]).push({ name: 'ralph', kind: 'ralph', domain: 'frozenlake' });
    });
    expect(parse(out).evals.map((e: { name: string }) => e.name)).toEqual(['held', 'ralph']);
    expect(out).toContain('seeds: [1, 2, 3] # 3 draws');
    const removed = edit(TEXT, (v) => (getAt(v, ['train', 'domains']) as unknown[]).splice(0, 1));
    expect(parse(removed).train.domains).toEqual([]);
    expect(removed).toContain('# A run that finishes on a laptop.');
  });

  it('refuses text that does not parse, and a document that is not a mapping', () => {
    expect(() => applyFormEdit('a: [1', {}, { a: 1 })).toThrow(/errors/);
    expect(formValues('- a\n- b\n')).toEqual({ ok: false, error: 'a curriculum must be a mapping (name:, train:, …)' });
    expect(formValues('')).toEqual({ ok: true, value: {} });
  });
});
