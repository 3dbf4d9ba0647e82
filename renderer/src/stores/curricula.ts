/**
 * The curriculum being edited. Its YAML text is the one source: the YAML editor edits it directly, and the form
 * edits the values it holds, each change written back into the text in place (lib/yaml-doc.ts: comments and key
 * order survive). The text is checked by the server as the user types (debounced) with the curriculum loader's own
 * checks, and kept as a local draft, so a failed save, a reload or a crash never loses what was typed.
 */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { stringify } from 'yaml';
import { api, ApiError } from '../api/index.ts';
import type { CurriculumCheck, CurriculumIssue, DomainView, PackPreview, PresetInfo } from '../../../main/api/types.ts';
import { applyFormEdit, clean, formValues } from '../lib/yaml-doc.ts';
import { useAppStore } from './app.ts';

export type EditMode = 'form' | 'yaml';
type Doc = Record<string, unknown>;
const DRAFT_KEY = 'cod.curriculum.draft';

interface Draft {
  name: string;
  mode: EditMode;
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

export function blankText(domain?: string): string {
  return `# A new curriculum: what a run trains on and how it is evaluated (docs/curricula.md).\n${stringify(
    blankCurriculum(domain),
    { lineWidth: 0 },
  )}`;
}

export const useCurriculaStore = defineStore('curricula', () => {
  const app = useAppStore();
  const presets = ref<PresetInfo[]>([]);
  const domains = ref<DomainView[]>([]);
  const loadedFrom = ref<PresetInfo | null>(null);
  const saveName = ref('my-curriculum');
  const mode = ref<EditMode>('form');
  /** The curriculum's YAML: what is checked, saved and edited. */
  const text = ref(blankText());
  /** The values the text holds, as the form edits them (kept in step with the text). */
  const doc = ref<Doc>(blankCurriculum());
  /** Why the text cannot be shown as a form (a syntax error), when it cannot. */
  const formError = ref<string | null>(null);
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
      text: text.value,
      source: loadedFrom.value?.source ?? null,
    };
    try {
      localStorage.setItem(DRAFT_KEY, JSON.stringify(d));
    } catch {
      // storage full or disabled: the editor still holds the text
    }
  }

  function restoreDraft(): boolean {
    try {
      const raw = localStorage.getItem(DRAFT_KEY);
      if (!raw) return false;
      const d = JSON.parse(raw) as Partial<Draft>;
      if (typeof d.text !== 'string') return false;
      saveName.value = typeof d.name === 'string' ? d.name : 'my-curriculum';
      setText(d.text);
      mode.value = d.mode === 'yaml' || formError.value ? 'yaml' : 'form';
      dirty.value = true;
      return true;
    } catch {
      return false;
    }
  }

  /** Text from outside the form (a preset, a draft, the YAML editor): the form's values follow it. */
  function setText(t: string): void {
    text.value = t;
    const v = formValues(t);
    formError.value = v.ok ? null : v.error;
    if (v.ok) doc.value = v.value;
  }

  let seq = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  async function runCheck(): Promise<void> {
    const mine = ++seq;
    checking.value = true;
    try {
      const r = await api().call('curricula.check', { text: text.value });
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

  /**
   * The form changed a value: write the difference between what the text holds and what the form shows into the
   * text, in place (comments and key order kept). The text stays the one source.
   */
  function syncFromForm(): void {
    if (mode.value !== 'form') return;
    const current = formValues(text.value);
    if (!current.ok) return;
    const snapshot = JSON.parse(JSON.stringify(doc.value)) as Doc;
    if (JSON.stringify(clean(snapshot)) === JSON.stringify(current.value)) return;
    try {
      text.value = applyFormEdit(text.value, current.value, snapshot);
    } catch (e) {
      formError.value = e instanceof Error ? e.message : String(e);
    }
  }
  watch(doc, syncFromForm, { deep: true });
  watch(text, () => {
    // The YAML editor typed: the form's values follow (the form writes text only through the watcher above).
    if (mode.value === 'yaml') setText(text.value);
  });

  watch([text, mode, saveName], () => {
    dirty.value = true;
    persistDraft();
    scheduleCheck();
  });

  async function init(): Promise<void> {
    try {
      [presets.value, domains.value] = await Promise.all([
        api().call('curricula.list', {}),
        api().call('domains.list', {}),
      ]);
    } catch (e) {
      app.fail('Could not load curricula', e);
    }
    restoreDraft();
    await runCheck();
  }

  async function load(p: PresetInfo): Promise<void> {
    try {
      const r = await api().call('curricula.load', { name: p.name, source: p.source });
      loadedFrom.value = r.preset;
      saveName.value = r.preset.name;
      setText(r.text);
      // A broken file is fixed as text, where its line numbers point.
      mode.value = r.check.ok && !formError.value ? 'form' : 'yaml';
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
    setText(blankText(domains.value[0]?.id));
    mode.value = 'form';
    saveName.value = 'my-curriculum';
  }

  /** Switch editors: both show the same text; the form needs text that parses as a mapping. */
  function setMode(m: EditMode): void {
    if (m === mode.value) return;
    if (m === 'form') {
      setText(text.value);
      if (formError.value) {
        app.notify('error', `Fix the YAML first: the form can only show YAML that parses (${formError.value})`);
        return;
      }
    }
    mode.value = m;
  }

  /** Save the text as written (comments kept); on failure everything typed stays and the issues are shown. */
  async function save(overwrite = false): Promise<boolean> {
    saveError.value = null;
    syncFromForm(); // an edit made this very tick is in what is saved
    try {
      const p = await api().call('curricula.save', { name: saveName.value, text: text.value, overwrite });
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
      const rendering = doc.value.rendering ?? check.value?.curriculum?.rendering ?? 'chat';
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
    formError,
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
    setText,
    save,
    runCheck,
    runPreview,
  };
});
