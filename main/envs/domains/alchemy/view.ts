/** The public view of an Alchemy episode: what the text shows, never the recipe book. */
import { CodError } from '../../../base/errors.ts';

export type InventoryItem = {
  readonly name: string;
  readonly tier: number;
  /** Units held; null when materials are unlimited. */
  readonly count: number | null;
};

export type Discovery = { readonly a: string; readonly b: string; readonly product: string; readonly tier: number };

export type Attempt = {
  readonly a: string;
  readonly b: string;
  /** null: the combination failed. */
  readonly product: string | null;
  readonly tier: number | null;
  /** The product was not in the inventory before. */
  readonly isNew: boolean;
};

export type AlchemyView = {
  readonly domain: 'alchemy';
  readonly taskId: string;
  readonly turn: number;
  readonly maxTurns: number;
  readonly target: string;
  readonly targetTier: number;
  readonly limited: boolean;
  readonly inventory: readonly InventoryItem[];
  /** Successful combinations of this task, in order. */
  readonly recipes: readonly Discovery[];
  /** Failed combinations of this task, each as a sorted pair. */
  readonly failed: readonly (readonly [string, string])[];
  readonly last: Attempt | null;
  readonly made: boolean;
  readonly done: boolean;
};

export function readAlchemyView(v: Readonly<Record<string, unknown>>): AlchemyView {
  const ok =
    v.domain === 'alchemy' &&
    typeof v.taskId === 'string' &&
    Number.isInteger(v.turn) &&
    Number.isInteger(v.maxTurns) &&
    typeof v.target === 'string' &&
    Number.isInteger(v.targetTier) &&
    Array.isArray(v.inventory) &&
    Array.isArray(v.recipes) &&
    Array.isArray(v.failed);
  if (!ok) throw new CodError('bad_input', 'not an Alchemy view', 'alchemy.agent');
  return v as unknown as AlchemyView;
}
