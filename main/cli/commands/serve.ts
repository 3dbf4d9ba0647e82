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
import { CodError } from '../../base/errors.ts';

export const serveCommand: CliCommand = {
  path: ['serve'],
  summary: 'Serve the workbench UI and api on 127.0.0.1 for a browser (token-guarded)',
  usage:
    "[--port P] [--store FILE]\n\nPrints the URL to open (it carries this launch's token). The store defaults to\n" +
    '$COD_HOME/runs.db (COD_HOME defaults to ~/.cod). Build the UI first with `npm run build`.',
  async run(argv) {
    const { values } = parseFlags(argv, flagTable(['port', 'store']));
    const port = intFlag(values.port, 'port', 0);
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
    await server.close();
    workbench.close();
    return 0;
  },
};
