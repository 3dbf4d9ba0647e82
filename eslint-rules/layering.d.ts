/** Types of layering.js (an ESLint rule in plain JS, so the config loads it without a TypeScript loader). */
import type { Rule } from 'eslint';

export interface Layer {
  readonly dirs: readonly string[];
  readonly may: readonly string[];
  readonly pure?: boolean;
}
export const LAYERS: Readonly<Record<string, Layer>>;
export function allowedLayers(name: string): Set<string>;
export function layerOf(rel: string): string | undefined;
declare const rule: Rule.RuleModule;
export default rule;
