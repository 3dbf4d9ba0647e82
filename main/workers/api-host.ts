/**
 * The api host: a process that owns the workbench services and the run store, so the Electron main process (which
 * must stay responsive) never reads 100k-point series or parses curricula itself. It talks over the parent port
 * of an Electron utility process, or over Node's IPC channel when forked by plain Node (how the tests run it).
 * The job commands it runs (`cod train`, `cod compare`) are started by the parent (ParentCommandHost), in Electron
 * as utility processes.
 */
import { fromHost, toHost, type FromHost } from '../api/host-protocol.ts';
import {
  CommandEvents,
  type CommandExit,
  type CommandHost,
  type CommandProcess,
  type CommandSpec,
} from '../services/command-host.ts';
import { createWorkbench } from '../services/workbench.ts';

interface Port {
  send(m: FromHost): void;
  onMessage(fn: (m: unknown) => void): void;
}

/** Electron's utilityProcess parent port, or Node's fork() channel. */
function parentPort(): Port {
  const pp = (
    process as unknown as {
      parentPort?: { postMessage(m: unknown): void; on(e: 'message', fn: (ev: { data: unknown }) => void): void };
    }
  ).parentPort;
  if (pp) return { send: (m) => pp.postMessage(m), onMessage: (fn) => pp.on('message', (ev) => fn(ev.data)) };
  if (process.send) {
    const send = process.send.bind(process);
    return { send: (m) => void send(m), onMessage: (fn) => process.on('message', fn) };
  }
  throw new Error('api-host must run as a utility process or a forked child');
}

/** A CommandHost whose processes the parent starts; their lines and exits come back as messages. */
export class ParentCommandHost implements CommandHost {
  private next = 0;
  private readonly live = new Map<number, CommandEvents>();
  constructor(private readonly port: Port) {}

  start(spec: CommandSpec): CommandProcess {
    const wid = this.next++;
    const l = new CommandEvents();
    this.live.set(wid, l);
    this.port.send({ type: 'worker-start', wid, args: [...spec.args] });
    return l.process(undefined, () => this.port.send({ type: 'worker-stop', wid }));
  }

  line(wid: number, stream: 'out' | 'err', line: string): void {
    const l = this.live.get(wid);
    if (l) (stream === 'out' ? l.out : l.err).emit(line);
  }

  exit(wid: number, exit: CommandExit): void {
    const l = this.live.get(wid);
    this.live.delete(wid);
    l?.exit.emit(exit);
  }
}

function main(): void {
  const port = parentPort();
  const send = (m: FromHost) => port.send(fromHost.parse(m));
  const host = new ParentCommandHost({ send, onMessage: () => {} });
  // The app root comes from COD_APP_ROOT (main/training/locations.ts): this module runs bundled in out/main/.
  const workbench = createWorkbench({ commandHost: host });
  workbench.onEvent((event) => send({ type: 'event', event } as FromHost));
  port.onMessage(async (raw) => {
    const m = toHost.safeParse(raw);
    if (!m.success) return; // only the parent can reach this port; a malformed message is a bug there, not input
    switch (m.data.type) {
      case 'call': {
        const answer = await workbench.handle(m.data.method, m.data.params);
        send({ type: 'answer', id: m.data.id, answer });
        break;
      }
      case 'worker-line':
        host.line(m.data.wid, m.data.stream, m.data.line);
        break;
      case 'worker-exit':
        host.exit(m.data.wid, { code: m.data.code, signal: m.data.signal });
        break;
      case 'close':
        workbench.close();
        process.exit(0);
    }
  });
  send({ type: 'ready' });
}

main();
