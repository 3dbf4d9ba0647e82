import type { Domain } from '../sdk.ts';
import { alchemy } from './alchemy/index.ts';
import { control } from './control/index.ts';
import { frozenLake } from './frozenlake/index.ts';
import { gridNav } from './gridnav/index.ts';
import { pde } from './pde/index.ts';
import { terminal } from './terminal/index.ts';

/** The built-in domains. Each lives in its own folder next to this file; add it here. */
export const builtinDomains: Domain[] = [frozenLake, alchemy, gridNav, control, pde, terminal];
