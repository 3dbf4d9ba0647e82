/** The api through the Electron preload bridge: same calls, answers checked like the WebSocket's. */
import { ApiError, type ApiClient, type BridgeApi } from '../../../main/api/client.ts';
import type { MethodName, Params, Result } from '../../../main/api/methods.ts';
import { answer, asApiEvent, eventSchema } from '../../../main/api/protocol.ts';
import type { ApiEvent } from '../../../main/api/types.ts';

export class BridgeClient implements ApiClient {
  constructor(private readonly bridge: BridgeApi) {}

  async call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    const raw = await this.bridge.call(method, params);
    const a = answer.safeParse(raw);
    if (!a.success) throw new ApiError({ code: 'internal', message: `malformed answer to ${method}` });
    if (!a.data.ok) throw new ApiError(a.data.error);
    return a.data.result as Result<M>;
  }

  onEvent(listener: (e: ApiEvent) => void): () => void {
    return this.bridge.onEvent((raw) => {
      const e = eventSchema.safeParse(raw);
      if (e.success) listener(asApiEvent(e.data));
    });
  }
}
