/**
 * The one error type for bad input anywhere in the workbench (config, checkpoint, batch, plugin, IPC message).
 * It names what is wrong (`where`: a file, field or argument) so the CLI and UI can show a single clear line
 * instead of a stack trace. Pure TS: crosses every process boundary as `{code, message, where}`.
 */
export type CodErrorCode =
  | 'bad_input'
  | 'bad_config'
  | 'bad_checkpoint'
  | 'not_found'
  | 'unsupported'
  | 'conflict'
  | 'env_fault'
  | 'io'
  | 'internal';

export class CodError extends Error {
  readonly code: CodErrorCode;
  readonly where: string | undefined;
  constructor(code: CodErrorCode, message: string, where?: string) {
    super(where ? `${where}: ${message}` : message);
    this.name = 'CodError';
    this.code = code;
    this.where = where;
  }
  toJSON(): { code: CodErrorCode; message: string; where?: string } {
    return { code: this.code, message: this.message, ...(this.where ? { where: this.where } : {}) };
  }
}

export function isCodError(e: unknown): e is CodError {
  return e instanceof CodError;
}
