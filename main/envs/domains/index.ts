import type { Domain } from '../sdk.ts';

/** The built-in domains. Each lives in its own folder next to this file; add it here. */
export const builtinDomains: Domain[] = [];
