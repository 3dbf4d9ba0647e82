/**
 * The request bodies our client sends, built as the Tinker SDK builds them (defaults included, nulls left out;
 * wire.ts `compact`) and checked against the wire schemas before they leave. Pure, so tests can hold them against
 * tests/fixtures/tinker.
 */
import type { z } from 'zod';
import type { LoraSpec } from '../backend.ts';
import * as wire from '../wire.ts';
import { compact } from '../wire.ts';

export const SDK_VERSION = 'cod-workbench/0.1.0';

function checked<T extends z.ZodType>(schema: T, body: unknown): unknown {
  schema.parse(body);
  return body;
}

export const requestBodies = {
  createSession(tags: readonly string[]): unknown {
    return checked(wire.createSessionRequest, { tags: [...tags], sdk_version: SDK_VERSION, type: 'create_session' });
  },
  sessionHeartbeat(sessionId: string): unknown {
    return checked(wire.sessionHeartbeatRequest, { session_id: sessionId, type: 'session_heartbeat' });
  },
  createModel(sessionId: string, modelSeqId: number, baseModel: string, lora: LoraSpec | undefined): unknown {
    return checked(
      wire.createModelRequest,
      compact({
        session_id: sessionId,
        model_seq_id: modelSeqId,
        base_model: baseModel,
        lora_config: lora
          ? {
              rank: lora.rank,
              seed: lora.seed,
              train_unembed: lora.targets.unembed,
              train_mlp: lora.targets.mlp,
              train_attn: lora.targets.attn,
            }
          : null,
        type: 'create_model',
      }),
    );
  },
  getInfo(modelId: string): unknown {
    return checked(wire.getInfoRequest, { model_id: modelId, type: 'get_info' });
  },
  unloadModel(modelId: string): unknown {
    return checked(wire.unloadModelRequest, { model_id: modelId, type: 'unload_model' });
  },
  forward(modelId: string, seqId: number, input: wire.ForwardBackwardInput): unknown {
    return checked(wire.forwardRequest, compact({ model_id: modelId, forward_input: input, seq_id: seqId }));
  },
  forwardBackward(modelId: string, seqId: number, input: wire.ForwardBackwardInput): unknown {
    return checked(
      wire.forwardBackwardRequest,
      compact({ model_id: modelId, forward_backward_input: input, seq_id: seqId }),
    );
  },
  optimStep(modelId: string, seqId: number, adam: wire.AdamParams): unknown {
    return checked(
      wire.optimStepRequest,
      compact({ model_id: modelId, adam_params: wire.adamParams.parse(adam), seq_id: seqId, type: 'optim_step' }),
    );
  },
  saveWeights(modelId: string, seqId: number, name: string): unknown {
    return checked(wire.saveWeightsRequest, {
      model_id: modelId,
      path: name,
      seq_id: seqId,
      overwrite: false,
      type: 'save_weights',
    });
  },
  saveWeightsForSampler(modelId: string, seqId: number, name: string): unknown {
    return checked(wire.saveWeightsForSamplerRequest, {
      model_id: modelId,
      path: name,
      seq_id: seqId,
      type: 'save_weights_for_sampler',
    });
  },
  loadWeights(modelId: string, seqId: number, path: string, optimizer: boolean): unknown {
    return checked(wire.loadWeightsRequest, {
      model_id: modelId,
      seq_id: seqId,
      path,
      optimizer,
      type: 'load_weights',
    });
  },
  asample(s: {
    prompt: readonly number[];
    params: wire.SamplingParams;
    numSamples: number;
    modelPath?: string;
    baseModel?: string;
  }): unknown {
    return checked(
      wire.sampleRequest,
      compact({
        num_samples: s.numSamples,
        prompt: { chunks: [{ tokens: [...s.prompt], type: 'encoded_text' }] },
        sampling_params: wire.samplingParams.parse(s.params),
        base_model: s.baseModel,
        model_path: s.modelPath,
        topk_prompt_logprobs: 0,
        type: 'sample',
      }),
    );
  },
  retrieveFuture(requestId: string): unknown {
    return checked(wire.futureRetrieveRequest, { request_id: requestId, allow_metadata_only: false });
  },
};
