/**
 * Generated sections of the docs (benchmark tables, the environments' CoD-ness tables): each lives between
 * `<!-- NAME:begin -->` and `<!-- NAME:end -->` in a Markdown file, and a rerun replaces only that section.
 */
import { readFile, writeFile } from 'node:fs/promises';

export interface DocSectionOptions {
  /** The file's text when it does not exist yet (default: a bare title). */
  readonly newFile?: string;
  /** A heading put before the section when it is appended (the file had no such section). */
  readonly heading?: string;
  /** An unmarked older form of the section, replaced when the markers are not there. */
  readonly legacy?: RegExp;
}

/** The section markers of `name`. */
export function sectionMarkers(name: string): { begin: string; end: string } {
  return { begin: `<!-- ${name}:begin -->`, end: `<!-- ${name}:end -->` };
}

/** `doc` with section `name` set to `body` (markers added here): replaced in place, or appended. */
export function withSection(doc: string, name: string, body: string, opts: DocSectionOptions = {}): string {
  const { begin, end } = sectionMarkers(name);
  const section = `${begin}\n${body}\n${end}`;
  const a = doc.indexOf(begin);
  const b = doc.indexOf(end);
  if (a >= 0 && b > a) return doc.slice(0, a) + section + doc.slice(b + end.length);
  if (opts.legacy?.test(doc)) return doc.replace(opts.legacy, section + '\n');
  return `${doc.trimEnd()}\n\n${opts.heading ? `${opts.heading}\n\n` : ''}${section}\n`;
}

/**
 * Rewrites section `name` of the Markdown `file` with `body`, leaving the rest of the file alone, formatted as
 * prettier would so `npm run lint` (prettier --check) stays green after a rerun. Prettier is a development tool:
 * it is loaded only here, when a section is written.
 */
export async function writeDocSection(
  file: string,
  name: string,
  body: string,
  opts: DocSectionOptions = {},
): Promise<void> {
  const doc = await readFile(file, 'utf8').catch(() => opts.newFile ?? '# Untitled\n');
  const next = withSection(doc, name, body, opts);
  const { format, resolveConfig } = await import('prettier');
  await writeFile(file, await format(next, { ...(await resolveConfig(file)), filepath: file }));
}
