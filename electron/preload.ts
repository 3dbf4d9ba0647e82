/**
 * The preload bridge: one object, `window.cod`, with `call(method, params)` and `onEvent(listener)`. Nothing else
 * of Electron or Node reaches the page; the main process checks the sender and every argument.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_CALL, IPC_EVENT } from '../main/api/channels.ts';

const bridge = {
  call: (method: string, params: unknown): Promise<unknown> => ipcRenderer.invoke(IPC_CALL, method, params),
  onEvent: (listener: (e: unknown) => void): (() => void) => {
    const handler = (_e: IpcRendererEvent, ev: unknown) => listener(ev);
    ipcRenderer.on(IPC_EVENT, handler);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT, handler);
    };
  },
};

contextBridge.exposeInMainWorld('cod', bridge);
