/**
 * How a worker thread runs one of the workbench's TypeScript entry modules: through tsx's loader, resolved from this
 * package wherever the command was started (vitest's module runner has no import.meta.resolve; Node's require finds
 * it). The compute workers (main/workers/host.ts) and the chat-template render worker start this way.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export function tsxExecArgv(): string[] {
  const loader =
    typeof import.meta.resolve === 'function'
      ? import.meta.resolve('tsx')
      : pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return ['--import', loader, '--no-warnings=ExperimentalWarning'];
}
