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
  /** Evaluation panels: one point per evaluated checkpoint, drawn with markers, x-axis named accordingly. */
  readonly eval?: boolean;
}

/** `eval/<suite>/<metric>`: what the trainer stores for a held-out suite at each evaluated checkpoint. */
const EVAL_METRIC = /^eval\/([^/]+)\/(.+)$/;
const POSITION_REWARD = /(^|\/)reward[/_]?pos(ition)?[/_]?\d+$/i;

export const PANELS: readonly PanelDef[] = [
  {
    id: 'reward-pos',
    title: 'Reward by pack position',
    match: POSITION_REWARD,
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

/**
 * Panel id -> metric names (sorted naturally). Training metrics go on the panels above; each eval suite gets its
 * own "reward by position" panel over checkpoint steps (never mixed into the training curves), and every metric
 * no panel claims (an eval suite's other metrics included) gets a chart of its own.
 */
export function groupMetrics(names: readonly string[]): { panel: PanelDef; metrics: string[] }[] {
  const train = names.filter((n) => !EVAL_METRIC.test(n));
  const evals = names.filter((n) => EVAL_METRIC.test(n));
  const claimed = new Set<string>();
  const out: { panel: PanelDef; metrics: string[] }[] = [];
  for (const panel of PANELS) {
    const metrics = train.filter((n) => !claimed.has(n) && panel.match.test(n)).sort(naturalCompare);
    for (const m of metrics) claimed.add(m);
    if (metrics.length > 0) out.push({ panel, metrics });
    if (panel.id === 'reward-pos') out.push(...evalRewardPanels(evals, claimed));
  }
  for (const n of [...names].sort(naturalCompare))
    if (!claimed.has(n)) {
      const ev = EVAL_METRIC.exec(n);
      out.push({
        panel: { id: `more:${n}`, title: ev ? `Eval ${ev[1]}: ${ev[2]}` : n, match: /$^/, eval: !!ev },
        metrics: [n],
      });
    }
  return out;
}

/** One panel per eval suite: reward by pack position at each evaluated checkpoint. */
function evalRewardPanels(evals: readonly string[], claimed: Set<string>): { panel: PanelDef; metrics: string[] }[] {
  const bySuite = new Map<string, string[]>();
  for (const n of evals) {
    const [, suite, rest] = EVAL_METRIC.exec(n)!;
    if (!POSITION_REWARD.test(rest)) continue;
    bySuite.set(suite, [...(bySuite.get(suite) ?? []), n]);
  }
  return [...bySuite.keys()].sort(naturalCompare).map((suite) => {
    const metrics = bySuite.get(suite)!.sort(naturalCompare);
    for (const m of metrics) claimed.add(m);
    return {
      panel: {
        id: `eval:${suite}:reward-pos`,
        title: `Eval ${suite}: reward by pack position`,
        match: /$^/,
        eval: true,
        hint: `Held-out suite "${suite}", evaluated at each saved checkpoint.`,
      },
      metrics,
    };
  });
}

export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true });
}
