/**
 * `cod serve [--port P] [--store FILE]`: the workbench UI in a browser. Serves the built renderer and the api over
 * a WebSocket on 127.0.0.1 only, guarded by a token made fresh at each launch; prints the URL to open (with the
 * token) and runs until interrupted. For remote workstations: forward the port over SSH and open the URL.
 */
import path from 'node:path';
import { serve } from '../../server/server.ts';
import { APP_ROOT, codHome, defaultStorePath } from '../../training/locations.ts';
import { createWorkbench } from '../../services/workbench.ts';
import { flagTable, intFlag, parseFlags } from '../args.ts';
import type { CliCommand } from '../command.ts';
import type { JobView } from '../../api/types.ts';
import { LIMITS } from '../../base/budget.ts';
import { CodError } from '../../base/errors.ts';

/** '1 trainer and 2 comparisons' */
function describeJobs(jobs: readonly JobView[]): string {
  const n = (kind: JobView['kind'], one: string): string | null => {
    const k = jobs.filter((j) => j.kind === kind).length;
    return k === 0 ? null : `${k} ${one}${k === 1 ? '' : 's'}`;
  };
  return [n('train', 'trainer'), n('compare', 'comparison')].filter((x) => x !== null).join(' and ');
}

export const serveCommand: CliCommand = {
  path: ['serve'],
  summary: 'Serve the workbench UI and api on 127.0.0.1 for a browser (token-guarded)',
  usage:
    "[--port P] [--store FILE] [--stop-grace S]\n\nPrints the URL to open (it carries this launch's token). The store defaults to\n" +
    '$COD_HOME/runs.db (COD_HOME defaults to ~/.cod). Build the UI first with `npm run build`.\n\n' +
    'SIGINT/SIGTERM stop the server and its jobs: trainers finish their step, save a checkpoint and mark their run\n' +
    "'stopped' (resume it later); comparisons are cancelled. After --stop-grace seconds (default 30), or at a second\n" +
    "signal, jobs still running are ended at once (a trainer's run is marked 'stopped'; it resumes from its last\n" +
    'checkpoint).',
  async run(argv) {
    const { values } = parseFlags(argv, flagTable(['port', 'store', 'stop-grace']));
    const port = intFlag(values.port, 'port', 0);
    const graceS = intFlag(values['stop-grace'], 'stop-grace', LIMITS.serveStopGraceMs / 1000);
    if (graceS < 0 || graceS > 3600)
      throw new CodError('bad_input', `--stop-grace must be 0..3600 seconds, got ${graceS}`);
    if (port < 0 || port > 65535) throw new CodError('bad_input', `--port must be 0..65535, got ${port}`);
    const home = codHome();
    const workbench = createWorkbench({
      appRoot: APP_ROOT,
      codHome: home,
      storePath: values.store ? path.resolve(values.store) : defaultStorePath(home),
    });
    let server;
    try {
      server = await serve({ workbench, rendererDir: path.join(APP_ROOT, 'out', 'renderer'), port });
    } catch (e) {
      workbench.close();
      if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE')
        throw new CodError('conflict', `port ${port} is in use; pick another with --port or use --port 0`);
      throw e;
    }
    process.stdout.write(`cod serve: open ${server.url}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    // The server owns its jobs: they are stopped, not orphaned (a trainer finishes its step, saves a checkpoint and
    // marks its run 'stopped', resumable later; a comparison is cancelled). Detaching trainers instead would leave
    // processes nobody shows, writing to pipes nobody reads. A second signal ends them at once.
    const hurry = new AbortController();
    const again = (): void => {
      process.stderr.write('cod serve: ending the jobs now\n');
      hurry.abort();
    };
    process.on('SIGINT', again);
    process.on('SIGTERM', again);
    await server.close();
    const left = await workbench.shutdown({
      graceMs: graceS * 1000,
      hurry: hurry.signal,
      onProgress: ({ phase, waiting }) =>
        process.stderr.write(
          phase === 'stopping'
            ? `cod serve: stopping ${describeJobs(waiting)} (up to ${graceS} s; signal again to end them now)\n`
            : `cod serve: ${describeJobs(waiting)} still running; ending them now\n`,
        ),
    });
    process.off('SIGINT', again);
    process.off('SIGTERM', again);
    if (left.length > 0) {
      process.stderr.write(`cod serve: ${describeJobs(left)} did not end: ${left.map((j) => j.label).join('; ')}\n`);
      return 1;
    }
    return 0;
  },
};
