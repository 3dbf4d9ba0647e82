/**
 * Prompt templates with named slots: `{name}` where name is an identifier. Substitution is single-pass, so slot
 * values (model output, environment text) are never themselves expanded. Braces that do not form `{identifier}`
 * are literal text.
 */
import { CodError } from '../base/errors.ts';

const SLOT = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Slot names in order of appearance (with repeats). */
export function templateSlots(template: string): string[] {
  return Array.from(template.matchAll(SLOT), (m) => m[1]);
}

export function fillTemplate(template: string, slots: Readonly<Record<string, string>>): string {
  return template.replace(SLOT, (whole, name: string) => {
    const v = slots[name];
    if (v === undefined) throw new CodError('internal', `template slot {${name}} has no value`);
    return v;
  });
}

/**
 * Check a template against its contract: every slot known, every required slot exactly once, and required slots
 * in the given order (the update prompt's structure is part of the method).
 */
export function checkTemplate(
  name: string,
  template: unknown,
  allowed: readonly string[],
  requiredInOrder: readonly string[],
): string {
  if (typeof template !== 'string') throw new CodError('bad_config', `template must be a string`, `prompts.${name}`);
  const used = templateSlots(template);
  for (const s of used) {
    if (!allowed.includes(s))
      throw new CodError(
        'bad_config',
        `unknown slot {${s}} (allowed: ${allowed.map((a) => `{${a}}`).join(', ') || 'none'})`,
        `prompts.${name}`,
      );
  }
  let last = -1;
  for (const r of requiredInOrder) {
    const hits = used.filter((s) => s === r).length;
    if (hits !== 1)
      throw new CodError('bad_config', `slot {${r}} must appear exactly once (found ${hits})`, `prompts.${name}`);
    const at = used.indexOf(r);
    if (at < last)
      throw new CodError(
        'bad_config',
        `slots must appear in the order ${requiredInOrder.map((x) => `{${x}}`).join(', ')}`,
        `prompts.${name}`,
      );
    last = at;
  }
  return template;
}
