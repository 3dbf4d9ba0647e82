/** The one routine that rewrites a generated section of a doc (benchmarks, environments). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sectionMarkers, withSection } from '../../../main/cli/doc-section.ts';

describe('withSection', () => {
  const doc = '# Doc\n\nintro\n\n<!-- a:begin -->\nold a\n<!-- a:end -->\n\n## Other\n\nkept\n';

  it('replaces only the marked section', () => {
    expect(withSection(doc, 'a', 'new a')).toBe(doc.replace('old a', 'new a'));
  });

  it('appends a missing section, under its heading when given', () => {
    expect(withSection(doc, 'b', 'b body', { heading: '## B' })).toBe(
      `${doc.trimEnd()}\n\n## B\n\n<!-- b:begin -->\nb body\n<!-- b:end -->\n`,
    );
  });

  it('replaces an unmarked older form of the section', () => {
    const old = '# Doc\n\n## Rollout\nold table\n\n## Next\n';
    expect(withSection(old, 'r', 'new', { legacy: /## Rollout\n[\s\S]*?(?=\n## |$)/ })).toBe(
      '# Doc\n\n<!-- r:begin -->\nnew\n<!-- r:end -->\n\n## Next\n',
    );
  });

  it('leaves each generated section of the docs as it is when given its own text back', () => {
    for (const [file, name] of [
      ['benchmarks.md', 'engine-bench'],
      ['benchmarks.md', 'rollout-bench'],
      ['benchmarks.md', 'train-bench'],
      ['environments.md', 'codness'],
    ] as const) {
      const text = readFileSync(join(import.meta.dirname, '../../../docs', file), 'utf8');
      const { begin, end } = sectionMarkers(name);
      const body = text.slice(text.indexOf(begin) + begin.length + 1, text.indexOf(end) - 1);
      expect(withSection(text, name, body)).toBe(text);
    }
  });
});
