import { CodError } from '../base/errors.ts';
import { builtinDomains } from './domains/index.ts';
import type { Domain } from './sdk.ts';

export function listDomains(): readonly Domain[] {
  return builtinDomains;
}

export function getDomain(id: string): Domain {
  const d = builtinDomains.find((x) => x.id === id);
  if (!d)
    throw new CodError('not_found', `unknown domain '${id}' (known: ${builtinDomains.map((x) => x.id).join(', ')})`);
  return d;
}
