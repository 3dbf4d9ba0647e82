/**
 * The api's IPC handler, free of Electron imports so it is tested as is: the sender frame must be the window's top
 * frame (an iframe never calls, whatever its URL: the page could embed its own index.html) showing the app's own
 * page, and the request is checked against the method's schema (by the workbench) before anything runs. A refused
 * call answers one clear error and executes nothing.
 */
import type { Answer } from '../main/api/protocol.ts';

/** The part of Electron's IpcMainInvokeEvent the check reads. */
export interface InvokeEventLike {
  /** Electron's WebFrameMain: `parent` is null only for a window's top frame. */
  readonly senderFrame: { readonly url: string; readonly parent: unknown } | null;
}

export interface ApiHandler {
  handle(method: unknown, params: unknown): Promise<Answer>;
}

export function makeCallHandler(workbench: ApiHandler, isTrusted: (url: string) => boolean) {
  return async (event: InvokeEventLike, method: unknown, params: unknown): Promise<Answer> => {
    const frame = event.senderFrame;
    if (!frame || frame.parent !== null || !isTrusted(frame.url))
      return {
        ok: false,
        error: { code: 'bad_input', message: 'refused: the call did not come from the workbench window', where: 'ipc' },
      };
    return workbench.handle(method, params);
  };
}
