/** The one api object the app uses: the Electron bridge when present, else the `cod serve` WebSocket. */
import type { ApiClient } from '../../../main/api/client.ts';
import { BridgeClient } from './bridge-client.ts';
import { WsClient } from './ws-client.ts';

let client: ApiClient | null = null;

export function api(): ApiClient {
  if (!client) client = window.cod ? new BridgeClient(window.cod) : WsClient.fromLocation();
  return client;
}

/** Tests and embedders hand in their own client (e.g. one connected to a real server). */
export function setApi(c: ApiClient): void {
  client = c;
}

export { ApiError } from '../../../main/api/client.ts';
export type { ApiClient };
