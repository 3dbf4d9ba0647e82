/**
 * The page's place, kept in the URL hash so reload, back/forward and links work: `#/<view>?key=value&…`
 * (e.g. `#/replay?run=ab12&step=3&lc=17&call=4`). Pure: parsed and written here, applied by the app store.
 */
export type ViewName = 'curricula' | 'runs' | 'cod' | 'replay' | 'compare';

export const VIEWS: readonly { id: ViewName; title: string; key: string }[] = [
  { id: 'curricula', title: 'Curricula', key: '1' },
  { id: 'runs', title: 'Runs', key: '2' },
  { id: 'replay', title: 'Replay', key: '3' },
  { id: 'compare', title: 'Compare', key: '4' },
  { id: 'cod', title: 'CoD effect', key: '5' },
];

export interface Route {
  readonly view: ViewName;
  readonly params: Readonly<Record<string, string>>;
}

export function parseRoute(hash: string): Route {
  const body = hash.replace(/^#\/?/, '');
  const q = body.indexOf('?');
  const name = q < 0 ? body : body.slice(0, q);
  const view = (VIEWS.find((v) => v.id === name)?.id ?? 'runs') as ViewName;
  const params: Record<string, string> = {};
  if (q >= 0) for (const [k, v] of new URLSearchParams(body.slice(q + 1))) params[k] = v;
  return { view, params };
}

export function routeHash(r: {
  view: ViewName;
  params?: Readonly<Record<string, string | number | null | undefined>>;
}): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(r.params ?? {}))
    if (v !== null && v !== undefined && v !== '') qs.set(k, String(v));
  const s = qs.toString();
  return `#/${r.view}${s ? `?${s}` : ''}`;
}
