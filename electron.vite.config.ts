/**
 * electron-vite: the Electron main entry and the preload (emitted as CommonJS: a sandboxed preload cannot be an ES
 * module), and the Vue renderer (served by `cod serve` in browser mode, loaded from file in the app).
 */
import { resolve } from 'node:path';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // The api host (services + store) runs in a utility process: its own entry beside the main one.
      rollupOptions: { input: { index: resolve('electron/main.ts'), 'api-host': resolve('main/workers/api-host.ts') } },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // Bundle everything: a sandboxed preload can require only 'electron' and a few built-ins.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve('electron/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'renderer',
    base: './',
    plugins: [vue()],
    build: {
      outDir: 'out/renderer',
      chunkSizeWarningLimit: 1500,
      rollupOptions: { input: resolve('renderer/index.html') },
    },
  },
});
