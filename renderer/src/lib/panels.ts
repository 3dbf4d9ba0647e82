/**
 * Which metric goes on which chart. The trainer names its metrics; the panels group them by name so the CoD
 * effect (reward by pack position) and the optimiser's health are one glance each. A metric no panel claims gets
 * its own chart under "More".
 */
export interface PanelDef {
  readonly id: string;
  readonly title: string;
  readonly match: RegExp;
  readonly hint?: string;
}

export const PANELS: readonly PanelDef[] = [
  {
    id: 'reward-pos',
    title: 'Reward by pack position',
    match: /(^|\/)reward[/_]?pos(ition)?[/_]?\d+$/i,
    hint: 'Later positions rising above position 0 is the CoD effect.',
  },
  { id: 'format', title: 'Format errors', match: /format_errors?(\/pos\d+|_rate)$/i },
  { id: 'loss', title: 'Loss', match: /(^|\/)loss$/i },
  { id: 'clip', title: 'Clipped fraction', match: /clip/i },
  { id: 'entropy', title: 'Entropy', match: /entropy/i },
  { id: 'grad', title: 'Gradient norm', match: /grad[_/]?norm/i },
  { id: 'red', title: 'RED temperature', match: /(^|\/)red[_/]?(t|temp|temperature)$/i },
  { id: 'hint', title: 'Hint length', match: /hint[_/]?(len|length|tokens|chars)/i },
  { id: 'time', title: 'Step time (s)', match: /^time\// },
  {
    id: 'throughput',
    title: 'Throughput',
    match: /throughput|tokens?[_/]?per[_/]?s|tok[_/]?s$|samples[_/]?per[_/]?s/i,
  },
];

/** Panel id -> metric names (sorted naturally), plus one "more:<name>" panel per unclaimed metric. */
export function groupMetrics(names: readonly string[]): { panel: PanelDef; metrics: string[] }[] {
  const claimed = new Set<string>();
  const out: { panel: PanelDef; metrics: string[] }[] = [];
  for (const panel of PANELS) {
    const metrics = names.filter((n) => !claimed.has(n) && panel.match.test(n)).sort(naturalCompare);
    for (const m of metrics) claimed.add(m);
    if (metrics.length > 0) out.push({ panel, metrics });
  }
  for (const n of [...names].sort(naturalCompare))
    if (!claimed.has(n)) out.push({ panel: { id: `more:${n}`, title: n, match: /$^/ }, metrics: [n] });
  return out;
}

export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true });
}
