/**
 * `cod backend serve`: the local training backend (this machine's engine) over HTTP with the Tinker JSON wire API
 * under /api/v1, for a `cod train --backend URL` elsewhere or any Tinker-compatible client. Loopback by default.
 */
import path from 'node:path';
import { CodError } from '../../base/errors.ts';
import { serveBackend } from '../../backend/http/server.ts';
import { LocalBackend } from '../../backend/local/backend.ts';
import { BUILTIN_MODEL_DIR, codHome } from '../../training/locations.ts';
import { ThreadWorkerHost } from '../../workers/host.ts';
import { flagTable, intFlag, numberFlag, parseFlags } from '../args.ts';
import type { CliCommand } from '../command.ts';

export const backendServe: CliCommand = {
  path: ['backend', 'serve'],
  summary: 'Serve the local training backend over the Tinker HTTP API (loopback by default)',
  usage:
    '[--port P] [--host 127.0.0.1] [--api-key K] [--model NAME=DIR ...] [--weights DIR]\n' +
    '        [--train-threads N] [--sample-threads N] [--sample-gather-ms G] [--max-body-mb M] [--future-wait-s S]\n\n' +
    'Prints `listening on URL` and serves until interrupted. --model adds a base model clients can name\n' +
    '(default: builtin=the built-in model). Saved weights go under --weights (default $COD_HOME/backend-weights).\n' +
    'A --host other than loopback requires --api-key (or $COD_BACKEND_API_KEY); clients send it as X-API-Key.\n' +
    '--sample-gather-ms (default 20): sample requests arriving within G ms of each other share one sampler batch,\n' +
    "ordered by content, so a client's concurrent requests sample exactly as they would in process.",
  async run(argv) {
    const valued = ['port', 'host', 'api-key', 'weights', 'train-threads', 'sample-threads'] as const;
    const limits = ['sample-gather-ms', 'max-body-mb', 'future-wait-s'] as const;
    const { values } = parseFlags(argv, flagTable([...valued, ...limits], [], ['model']));
    const port = intFlag(values.port, 'port', 8000);
    if (port < 0 || port > 65535) throw new CodError('bad_input', `--port must be 0..65535, got ${port}`);
    const models: Record<string, string> = {};
    for (const m of values.model ?? [`builtin=${BUILTIN_MODEL_DIR}`]) {
      const at = m.indexOf('=');
      if (at <= 0) throw new CodError('bad_input', `--model must be NAME=DIR, got '${m}'`);
      models[m.slice(0, at)] = path.resolve(m.slice(at + 1));
    }
    const positive = (v: string | undefined, name: string, fallback: number): number => {
      const n = numberFlag(v, name, fallback);
      if (!(n > 0)) throw new CodError('bad_input', `--${name} must be positive, got ${n}`);
      return n;
    };
    const gatherMs = numberFlag(values['sample-gather-ms'], 'sample-gather-ms', 20);
    if (!(gatherMs >= 0 && gatherMs <= 10_000))
      throw new CodError('bad_input', `--sample-gather-ms must be 0..10000, got ${gatherMs}`);
    const backend = new LocalBackend({
      models,
      weightsRoot: path.resolve(values.weights ?? path.join(codHome(), 'backend-weights')),
      workers: new ThreadWorkerHost(),
      trainThreads: positive(values['train-threads'], 'train-threads', 1),
      sampleThreads: positive(values['sample-threads'], 'sample-threads', 1),
      sampleGatherMs: gatherMs,
    });
    const apiKey = values['api-key'] ?? process.env.COD_BACKEND_API_KEY;
    const server = await serveBackend({
      backend,
      host: values.host ?? '127.0.0.1',
      port,
      ...(apiKey ? { apiKey } : {}),
      maxBodyBytes: Math.round(positive(values['max-body-mb'], 'max-body-mb', 64) * 1024 * 1024),
      futureWaitMs: Math.round(positive(values['future-wait-s'], 'future-wait-s', 30) * 1000),
      ...(process.env.COD_DEBUG ? { log: (l: string) => process.stderr.write(`${l}\n`) } : {}),
    }).catch(async (e: unknown) => {
      await backend.close();
      throw e;
    });
    process.stdout.write(
      `cod backend serve: listening on ${server.url}/api/v1 (models: ${Object.keys(models).join(', ')}${apiKey ? '; X-API-Key required' : ''})\n`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    return 0;
  },
};
