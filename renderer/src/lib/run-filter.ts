/** The run table's search, filters and order: pure, over the run summaries the server sends. */
import type { RunSummary } from '../../../main/api/types.ts';
import { shownStatus, type ShownStatus } from '../../../main/api/run-state.ts';

export type RunSortKey = 'created' | 'updated' | 'name' | 'status' | 'step';

export interface RunQuery {
  /** Words that must all appear in the name, id, curriculum, tags or notes (case-insensitive). */
  readonly text: string;
  readonly status: ShownStatus | '';
  readonly curriculum: string;
  readonly tag: string;
  readonly sort: RunSortKey;
  readonly descending: boolean;
}

export const NO_QUERY: RunQuery = { text: '', status: '', curriculum: '', tag: '', sort: 'created', descending: true };

function haystack(r: RunSummary): string {
  return [r.name, r.id, r.curriculum ?? '', ...r.tags, r.notes].join('\n').toLowerCase();
}

export function filterRuns(runs: readonly RunSummary[], q: RunQuery): RunSummary[] {
  const words = q.text.toLowerCase().split(/\s+/).filter(Boolean);
  const out = runs.filter(
    (r) =>
      (q.status === '' || shownStatus(r) === q.status) &&
      (q.curriculum === '' || r.curriculum === q.curriculum) &&
      (q.tag === '' || r.tags.includes(q.tag)) &&
      words.every((w) => haystack(r).includes(w)),
  );
  const key = (r: RunSummary): string | number => {
    switch (q.sort) {
      case 'created':
        return r.createdAt;
      case 'updated':
        return r.updatedAt;
      case 'name':
        return r.name.toLowerCase();
      case 'status':
        return shownStatus(r);
      case 'step':
        return r.lastStep ?? -1;
    }
  };
  const sign = q.descending ? -1 : 1;
  return out.sort((a, b) => {
    const x = key(a);
    const y = key(b);
    return (x < y ? -1 : x > y ? 1 : a.id.localeCompare(b.id)) * sign;
  });
}

/** The values the filters offer, from the runs there are. */
export function facets(runs: readonly RunSummary[]): { curricula: string[]; tags: string[]; statuses: ShownStatus[] } {
  const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort((a, b) => a.localeCompare(b));
  return {
    curricula: sorted(runs.flatMap((r) => (r.curriculum ? [r.curriculum] : []))),
    tags: sorted(runs.flatMap((r) => r.tags)),
    statuses: sorted(runs.map((r) => shownStatus(r))) as ShownStatus[],
  };
}

/** Tags typed as "a, b c" -> ['a', 'b c'] (commas separate; blanks dropped; each once). */
export function parseTags(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
}
