/** The typed contract between renderer and main. Pure TS: the renderer and electron/ import only this folder. */
export * from './types.ts';
export * from './methods.ts';
export * from './protocol.ts';
export * from './client.ts';
export * from './run-state.ts';
export * from './jobs.ts';
export { checkRequest } from './validate.ts';
export { CodError, isCodError, type CodErrorCode } from '../base/errors.ts';
