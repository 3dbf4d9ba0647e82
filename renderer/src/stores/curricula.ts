/**
 * The curriculum being edited. The form's object is checked by the server as the user types (debounced), and
 * every keystroke is also kept as a local draft, so a failed save, a reload or a crash never loses what was typed.
 */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { api, ApiError } from '../api/index.ts';
import type { CurriculumCheck, CurriculumIssue, DomainView, PackPreview, PresetInfo } from '../../../main/api/types.ts';
import { useAppStore } from './app.ts';

export type EditMode = 'form' | 'yaml';
type Doc = Record<string, unknown>;
const DRAFT_KEY = 'cod.curriculum.draft';

interface Draft {
  name: string;
  mode: EditMode;
  doc: Doc;
  text: string;
  source: PresetInfo['source'] | null;
}

export function blankCurriculum(domain = 'frozenlake'): Doc {
  return {
    name: 'my-curriculum',
    rendering: 'compact',
    memory: 'notes',
    train: {
      domains: [{ id: domain, weight: 1, preset: 'train' }],
      packStrategy: 'cod',
      packSize: 4,
      groupSize: 4,
      packsPerStep: 2,
    },
    evals: [],
    training: { steps: 20 },
  };
}

/** The form's object as plain JSON, without fields left empty (an emptied number input means "not set"). */
export function cleanDoc(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(cleanDoc);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== '' && x !== undefined && x !== null) out[k] = cleanDoc(x);
    return out;
  }
  return v;
}

export const useCurriculaStore = defineStore('curricula', () => {
  const app = useAppStore();
  const presets = ref<PresetInfo[]>([]);
  const domains = ref<DomainView[]>([]);
  const loadedFrom = ref<PresetInfo | null>(null);
  const saveName = ref('my-curriculum');
  const mode = ref<EditMode>('form');
  const doc = ref<Doc>(blankCurriculum());
  const text = ref('');
  const check = ref<CurriculumCheck | null>(null);
  const checking = ref(false);
  const dirty = ref(false);
  const saveError = ref<ApiError | null>(null);
  const preview = ref<PackPreview | null>(null);
  const previewError = ref<string | null>(null);

  /** The live check's issues and a failed save's, each once (a save refused for the same problems repeats them). */
  const issues = computed<CurriculumIssue[]>(() => {
    const seen = new Set<string>();
    return [...(check.value?.issues ?? []), ...(saveError.value?.issues ?? [])].filter((i) => {
      const key = `${i.line}:${i.col}:${i.field}:${i.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  });

  /** Issues for one form field (its own path, or anything below it). */
  function issuesAt(field: string): CurriculumIssue[] {
    return (check.value?.issues ?? []).filter(
      (i) => i.field === field || i.field.startsWith(field + '.') || i.field.startsWith(field + '['),
    );
  }

  function persistDraft(): void {
    const d: Draft = {
      name: saveName.value,
      mode: mode.value,
      doc: doc.value,
      text: text.value,
      source: loadedFrom.value?.source ?? null,
    };
    try {
      localStorage.setItem(DRAFT_KEY, JSON.stringify(d));
    } catch {
      // storage full or disabled: the form still holds the text
    }
  }

  function restoreDraft(): boolean {
    try {
      const raw = localStorage.getItem(DRAFT_KEY);
      if (!raw) return false;
      const d = JSON.parse(raw) as Draft;
      saveName.value = d.name;
      mode.value = d.mode;
      doc.value = d.doc;
      text.value = d.text;
      dirty.value = true;
      return true;
    } catch {
      return false;
    }
  }

  let seq = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  async function runCheck(): Promise<void> {
    const mine = ++seq;
    checking.value = true;
    try {
      const r = await api().call(
        'curricula.check',
        mode.value === 'yaml' ? { text: text.value } : { doc: cleanDoc(JSON.parse(JSON.stringify(doc.value))) as Doc },
      );
      if (mine === seq) check.value = r;
    } catch (e) {
      if (mine === seq) app.fail('Validation failed', e);
    } finally {
      if (mine === seq) checking.value = false;
    }
  }
  function scheduleCheck(): void {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void runCheck(), 200);
  }

  watch(
    [doc, text, mode, saveName],
    () => {
      dirty.value = true;
      persistDraft();
      scheduleCheck();
    },
    { deep: true },
  );

  async function init(): Promise<void> {
    try {
      [presets.value, domains.value] = await Promise.all([
        api().call('curricula.list', {}),
        api().call('domains.list', {}),
      ]);
    } catch (e) {
      app.fail('Could not load curricula', e);
    }
    if (!restoreDraft()) text.value = '';
    await runCheck();
  }

  async function load(p: PresetInfo): Promise<void> {
    try {
      const r = await api().call('curricula.load', { name: p.name, source: p.source });
      loadedFrom.value = r.preset;
      saveName.value = r.preset.name;
      text.value = r.text;
      if (r.check.ok && r.check.curriculum) {
        doc.value = r.check.curriculum as Doc;
        mode.value = 'form';
      } else mode.value = 'yaml'; // a broken file is fixed as text, where its line numbers point
      check.value = r.check;
      saveError.value = null;
      await Promise.resolve();
      dirty.value = false;
    } catch (e) {
      app.fail(`Could not load ${p.name}`, e);
    }
  }

  function newBlank(): void {
    loadedFrom.value = null;
    doc.value = blankCurriculum(domains.value[0]?.id);
    mode.value = 'form';
    saveName.value = 'my-curriculum';
  }

  /** Switch editors carrying the content over (form -> its YAML; YAML -> the checked curriculum). */
  function setMode(m: EditMode): void {
    if (m === mode.value) return;
    if (m === 'yaml') text.value = check.value?.yaml ?? text.value;
    else if (check.value?.ok && check.value.curriculum) doc.value = check.value.curriculum as Doc;
    else {
      app.notify('error', 'Fix the YAML first: the form can only show a valid curriculum');
      return;
    }
    mode.value = m;
  }

  /** Save; on failure everything typed stays in the editor and the issues are shown where they are. */
  async function save(overwrite = false): Promise<boolean> {
    saveError.value = null;
    try {
      const body =
        mode.value === 'yaml' ? { text: text.value } : { doc: cleanDoc(JSON.parse(JSON.stringify(doc.value))) as Doc };
      const p = await api().call('curricula.save', { name: saveName.value, ...body, overwrite });
      loadedFrom.value = p;
      presets.value = await api().call('curricula.list', {});
      dirty.value = false;
      app.notify('info', `Saved ${p.name} (${p.file})`);
      return true;
    } catch (e) {
      if (e instanceof ApiError) saveError.value = e;
      else saveError.value = new ApiError({ code: 'internal', message: String(e) });
      return false;
    }
  }

  async function runPreview(args: { domain: string; preset: string; seed: number; packSize: number }): Promise<void> {
    previewError.value = null;
    try {
      const rendering = (mode.value === 'form' ? doc.value.rendering : check.value?.curriculum?.rendering) ?? 'chat';
      preview.value = await api().call('packs.preview', {
        ...args,
        rendering: rendering === 'compact' ? 'compact' : 'chat',
      });
    } catch (e) {
      previewError.value = e instanceof Error ? e.message : String(e);
    }
  }

  return {
    presets,
    domains,
    loadedFrom,
    saveName,
    mode,
    doc,
    text,
    check,
    checking,
    dirty,
    saveError,
    issues,
    preview,
    previewError,
    issuesAt,
    init,
    load,
    newBlank,
    setMode,
    save,
    runCheck,
    runPreview,
  };
});
