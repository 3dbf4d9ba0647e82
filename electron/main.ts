/**
 * The Electron main process: one window over the workbench. Thin by design: the services and the store live in the
 * api host (main/workers/api-host.ts) in a utility process, so this process only wires the window, its security,
 * the IPC bridge and the utility processes; it imports nothing of main/ but the api contract.
 */
import { app, BrowserWindow, ipcMain, Menu, session, shell, utilityProcess } from 'electron';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { IPC_CALL, IPC_EVENT } from '../main/api/channels.ts';
import { ApiHostClient } from './api-host-client.ts';
import { makeCallHandler } from './ipc.ts';
import { APP_CSP, isSafeExternalUrl, secureWebPreferences, trustedPage } from './security.ts';
import { forkCod } from './cod-process.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const preload = path.join(here, '../preload/index.cjs');
const indexHtml = path.join(here, '../renderer/index.html');
const apiHostEntry = path.join(here, 'api-host.js');
const devUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;

app.enableSandbox();
let client: ApiHostClient | null = null;

/** The services host, restarted by ApiHostClient when it dies (its calls fail fast meanwhile). */
function startApiHost(appRoot: string): ApiHostClient {
  const codBin = path.join(appRoot, 'bin', 'cod.mjs');
  return new ApiHostClient(
    () => {
      const host = utilityProcess.fork(apiHostEntry, [], {
        serviceName: 'cod workbench services',
        env: { ...process.env, COD_APP_ROOT: appRoot },
      });
      return {
        post: (m) => host.postMessage(m),
        onMessage: (fn) => void host.on('message', fn),
        onExit: (fn) => void host.on('exit', fn),
      };
    },
    (args) => forkCod(codBin, args),
  );
}

function createWindow(c: ApiHostClient): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    title: 'CoD Workbench',
    show: false,
    webPreferences: secureWebPreferences(preload),
  });
  win.once('ready-to-show', () => win.show());
  const off = c.onEvent((e) => {
    if (!win.isDestroyed()) win.webContents.send(IPC_EVENT, e);
  });
  win.on('closed', off);
  if (devUrl) void win.loadURL(devUrl);
  else void win.loadFile(indexHtml);
  return win;
}

void app.whenReady().then(() => {
  const c = startApiHost(app.getAppPath());
  client = c;

  // The CSP as a header too (the page also carries it as a meta tag); no permission is ever granted.
  session.defaultSession.webRequest.onHeadersReceived((details, cb) =>
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [APP_CSP] } }),
  );
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));

  ipcMain.handle(IPC_CALL, makeCallHandler(c, trustedPage(pathToFileURL(indexHtml).href, devUrl)));

  Menu.setApplicationMenu(
    Menu.buildFromTemplate([{ role: 'fileMenu' }, { role: 'editMenu' }, { role: 'viewMenu' }, { role: 'windowMenu' }]),
  );
  createWindow(c);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow(c);
  });
});

// Every window: no navigation away from the app, no new windows (http(s) links open in the system browser).
app.on('web-contents-created', (_e, contents) => {
  contents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (e, url) => {
    if (url !== contents.getURL()) e.preventDefault();
  });
  contents.on('will-attach-webview', (e) => e.preventDefault());
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
app.on('before-quit', () => {
  client?.close();
  client = null;
});
