/** Reading what a `cod train` child left: its exit, its run id, and the run as its store holds it. */
import { openStore, type RunStore } from '../../main/store/index.ts';

/** The child's stdout, or an error carrying its exit code and stderr. */
export function ok(r: { code: number; stdout: string; stderr: string }): string {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** The run id of `cod train --events` (its first event line). */
export const runIdOf = (stdout: string): string => (JSON.parse(stdout.split('\n')[0]) as { runId: string }).runId;

/** A run's steps, status, directory, config, metrics (wall-clock ones left out) and checkpoints, from its store. */
export function storedRun(db: string, id: string) {
  const s: RunStore = openStore(db);
  try {
    const names = s.listMetricNames(id).filter((n) => !n.startsWith('time/') && !n.startsWith('throughput/'));
    const series = s.getSeries(id, names);
    const run = s.getRun(id);
    return {
      steps: s.listSteps(id).map((x) => x.step),
      status: run.status,
      runDir: run.runDir,
      config: run.config,
      metrics: Object.fromEntries(
        names.map((n) => [n, { steps: [...series[n].steps], values: [...series[n].values] }]),
      ),
      checkpoints: s.listCheckpoints(id).map((c) => ({ step: c.step, sha256: c.sha256, path: c.path })),
    };
  } finally {
    s.close();
  }
}
