/** Unordered pairs of elements and the recipe book's lookup key. */

export interface Recipe {
  readonly a: string;
  readonly b: string;
  readonly product: string;
}

/** The order-free key of a combination: "a+b" with the names sorted. */
export function pairKey(a: string, b: string): string {
  return a <= b ? `${a}+${b}` : `${b}+${a}`;
}

export function pairText(a: string, b: string): string {
  return a <= b ? `${a} + ${b}` : `${b} + ${a}`;
}
