/**
 * A second process using a real store, for the tests that need one: lease holders that get SIGKILLed, a trainer-like
 * writer killed mid-step, a writer whose rows another process must see.
 *
 *   open  <db>                                  open (creating / migrating) the store, create a run, print its id
 *   hold  <db> <runId>                          take the run's lease, print READY, wait forever
 *   write <db> <runId> <fromStep> <count> <lifecycles> <turns> <tokensPerTurn>
 *         take the lease, truncate after fromStep-1, commit steps fromStep.. (count < 0: forever),
 *         printing "COMMITTED <step>" after each commit returns
 */
import { isCodError } from '../../main/base/errors.ts';
import { openStore } from '../../main/store/index.ts';
import { newRunIn, stepCommit } from './store.ts';

function main(argv: string[]): void {
  const [mode, db, runId, ...rest] = argv;
  const store = openStore(db);
  if (mode === 'open') {
    process.stdout.write(`RUN ${newRunIn(store)}\n`);
    store.close();
    return;
  }
  if (mode === 'hold') {
    store.acquireRunLease(runId);
    process.stdout.write('READY\n');
    setInterval(() => {}, 60_000); // stay alive until killed
    return;
  }
  if (mode === 'write') {
    const [fromStep, count, lifecycles, turns, tokensPerTurn] = rest.map(Number);
    store.acquireRunLease(runId);
    store.truncateAfter(runId, fromStep - 1);
    process.stdout.write('READY\n');
    const shape = { lifecycles, turns, tokensPerTurn };
    for (let step = fromStep; count < 0 || step < fromStep + count; step++) {
      store.commitStep(runId, step, stepCommit(step, shape));
      process.stdout.write(`COMMITTED ${step}\n`);
    }
    store.close();
    return;
  }
  throw new Error(`unknown mode ${mode}`);
}

try {
  main(process.argv.slice(2));
} catch (e) {
  process.stdout.write(`ERROR ${isCodError(e) ? e.code : 'other'} ${(e as Error).message}\n`);
  process.exitCode = 1;
}
