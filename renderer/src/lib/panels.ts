/**
 * Which metric goes on which chart. The trainer names its metrics; the panels group them by name so the CoD
 * effect (reward by pack position) and the optimiser's health are one glance each. A metric no panel claims gets
 * its own chart under "More".
 */
/** The sections panels are grouped in, in page order. */
export const SECTIONS = [
  { id: 'cod', title: 'CoD: reward by pack position and notes' },
  { id: 'eval', title: 'Evaluation (held-out suites, per checkpoint)' },
  { id: 'optim', title: 'Optimiser' },
  { id: 'time', title: 'Time and throughput' },
  { id: 'more', title: 'More metrics' },
] as const;
export type SectionId = (typeof SECTIONS)[number]['id'];

export interface PanelDef {
  readonly id: string;
  readonly title: string;
  readonly match: RegExp;
  readonly hint?: string;
  /** Evaluation panels: one point per evaluated checkpoint, drawn with markers, x-axis named accordingly. */
  readonly eval?: boolean;
  readonly section?: SectionId;
  /** What the y-axis measures, with its unit (the axis name). */
  readonly unit?: string;
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
    section: 'cod',
    unit: 'mean task reward',
  },
  { id: 'reward-mean', title: 'Mean reward', match: /^reward\/mean$/, section: 'cod', unit: 'mean task reward' },
  {
    id: 'update',
    title: 'Update reward',
    match: /(^|\/)update_reward$/,
    section: 'cod',
    unit: 'r^z (format penalty)',
  },
  {
    id: 'hint',
    title: 'Hint length',
    match: /hint[_/]?(len|length|tokens|chars)/i,
    section: 'cod',
    unit: 'characters',
  },
  { id: 'hint-parse', title: 'Hint parse rate', match: /hint[_/]parse_rate$/i, section: 'cod', unit: 'fraction' },
  {
    id: 'format',
    title: 'Format errors',
    match: /format_errors?(\/pos\d+|_rate)$/i,
    section: 'cod',
    unit: 'fraction of answers',
  },
  { id: 'loss', title: 'Loss', match: /(^|\/)loss$/i, section: 'optim', unit: 'policy loss' },
  { id: 'clip', title: 'Clipped fraction', match: /clip/i, section: 'optim', unit: 'fraction of tokens' },
  { id: 'entropy', title: 'Entropy', match: /entropy/i, section: 'optim', unit: 'nats / token' },
  { id: 'grad', title: 'Gradient norm', match: /grad[_/]?norm/i, section: 'optim', unit: 'L2 norm' },
  {
    id: 'red',
    title: 'RED temperature',
    match: /(^|\/)red[_/]?(t|temp|temperature)$/i,
    section: 'optim',
    unit: 'temperature',
  },
  { id: 'kl', title: 'KL to the reference', match: /^kl$/i, section: 'optim', unit: 'nats / token' },
  { id: 'time', title: 'Step time (s)', match: /^time\//, section: 'time', unit: 'seconds' },
  {
    id: 'throughput',
    title: 'Throughput',
    match: /throughput|tokens?[_/]?per[_/]?s|tok[_/]?s$|samples[_/]?per[_/]?s/i,
    section: 'time',
    unit: 'per second',
  },
];

/** A unit for a metric no panel claims, from its name. */
export function unitOf(name: string): string {
  if (/(_s|\/s)$|time/i.test(name)) return 'seconds';
  if (/rate|fraction|share/i.test(name)) return 'fraction';
  if (/tokens?$/i.test(name)) return 'tokens';
  if (/steps?$/i.test(name)) return 'steps';
  if (/reward/i.test(name)) return 'reward';
  return name;
}

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
        panel: {
          id: `more:${n}`,
          title: ev ? `Eval ${ev[1]}: ${ev[2]}` : n,
          match: /$^/,
          eval: !!ev,
          section: ev ? 'eval' : 'more',
          unit: unitOf(ev ? ev[2] : n),
        },
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
        section: 'eval' as const,
        unit: 'mean task reward',
      },
      metrics,
    };
  });
}

export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true });
}
