/// <reference types="vite/client" />
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

interface Window {
  /** The Electron preload bridge (absent in a browser). */
  readonly cod?: import('../../main/api/client.ts').BridgeApi;
}
