/**
 * Curricula for the UI: the shipped presets (resources/curricula, read only) and the user's own
 * ($COD_HOME/curricula), live validation of a form or of YAML text with located issues, and saving. A save that
 * fails validation writes nothing and returns every issue, so the UI can keep what the user typed and point at it.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { CodError, isCodError } from '../base/errors.ts';
import type { CurriculumCheck, CurriculumIssue, JsonObject, PresetInfo, PresetText } from '../api/types.ts';
import { SourceError } from '../base/diagnostics.ts';
import { parseCurriculum, readCurriculumText, type LoadedCurriculum } from '../training/curriculum/load.ts';
import { stringifyCurriculum } from '../training/curriculum/stringify.ts';

const YAML_EXT = '.yaml';

/** A CodError that carries located issues (the api error body passes them on to the UI). */
export class CurriculumError extends CodError {
  readonly issues: CurriculumIssue[];
  constructor(message: string, issues: CurriculumIssue[], where?: string) {
    super('bad_config', message, where);
    this.issues = issues;
  }
}

export class CurriculaService {
  readonly userDir: string;

  constructor(
    readonly builtinDir: string,
    codHome: string,
  ) {
    this.userDir = path.join(codHome, 'curricula');
  }

  list(): PresetInfo[] {
    const read = (dir: string, source: PresetInfo['source']): PresetInfo[] =>
      existsSync(dir)
        ? readdirSync(dir)
            .filter((f) => f.endsWith(YAML_EXT))
            .sort()
            .map((f) => ({ name: f.slice(0, -YAML_EXT.length), source, file: path.join(dir, f) }))
        : [];
    return [...read(this.userDir, 'user'), ...read(this.builtinDir, 'builtin')];
  }

  /** The preset's file; the user's copy wins over a shipped one of the same name unless `source` says otherwise. */
  resolve(name: string, source?: PresetInfo['source']): PresetInfo {
    const hit = this.list().find((p) => p.name === name && (source === undefined || p.source === source));
    if (!hit) throw new CodError('not_found', `no curriculum preset named '${name}'`, 'curriculum');
    return hit;
  }

  load(name: string, source?: PresetInfo['source']): PresetText {
    const preset = this.resolve(name, source);
    const text = readCurriculumText(preset.file);
    return { preset, text, check: this.checkText(text, preset.file) };
  }

  checkText(text: string, file = path.join(this.userDir, 'draft.yaml')): CurriculumCheck {
    return this.check(text, file);
  }

  /** A form's object is checked as the YAML it would be saved as, so issues carry the same field paths. */
  checkDoc(doc: Record<string, unknown>): CurriculumCheck {
    return this.check(
      stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false }),
      path.join(this.userDir, 'form.yaml'),
    );
  }

  save(name: string, input: { text: string } | { doc: Record<string, unknown> }, overwrite = false): PresetInfo {
    const check = 'text' in input ? this.checkText(input.text) : this.checkDoc(input.doc);
    if (!check.ok) {
      const first = check.issues[0];
      throw new CurriculumError(
        `not saved: ${check.issues.length} problem${check.issues.length === 1 ? '' : 's'} (first: ${first.field ? first.field + ': ' : ''}${first.message})`,
        check.issues,
        `${name}.yaml`,
      );
    }
    const file = path.join(this.userDir, name + YAML_EXT);
    if (!overwrite && existsSync(file))
      throw new CodError('conflict', `a preset named '${name}' already exists; save again to overwrite it`, 'name');
    // Text keeps the user's comments; a form is written with every default spelled out (what will run).
    const body = 'text' in input ? input.text : check.yaml;
    mkdirSync(this.userDir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, body, 'utf8');
    renameSync(tmp, file); // atomic: a crash never leaves half a preset
    return { name, source: 'user', file };
  }

  private check(text: string, file: string): CurriculumCheck {
    let loaded: LoadedCurriculum;
    try {
      loaded = parseCurriculum(text, file);
    } catch (e) {
      if (e instanceof SourceError)
        return {
          ok: false,
          yaml: text,
          issues: e.issues.map((i) => ({ line: i.line, col: i.col, field: i.field, message: i.message })),
          curriculum: null,
        };
      if (isCodError(e))
        return {
          ok: false,
          yaml: text,
          issues: [{ line: 1, col: 1, field: '', message: e.message }],
          curriculum: null,
        };
      throw e;
    }
    const yaml = stringifyCurriculum(loaded.curriculum);
    return { ok: true, yaml, issues: [], curriculum: JSON.parse(JSON.stringify(loaded.curriculum)) as JsonObject };
  }
}
