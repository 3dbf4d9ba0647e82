/**
 * Compare two checkpoints: `cod compare A_DIR B_DIR --curriculum FILE --suite NAME --json --events` in a worker
 * (identical packs and seeds for both: the evaluator derives them from the suite). Progress and the result come
 * back as checked JSON lines; the job carries them to the UI.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { JOB_COMMANDS, parseCompareOutput, parseLine, progressEvent } from '../api/jobs.ts';
import { CodError } from '../base/errors.ts';
import type { CheckpointRef, JobView } from '../api/types.ts';
import type { RunStore } from '../store/index.ts';
import { runConfigView } from '../training/run-session.ts';
import { failureMessage, type Jobs } from './jobs.ts';
import type { CommandHost } from './command-host.ts';

export class CompareService {
  constructor(
    private readonly store: RunStore,
    private readonly host: CommandHost,
    private readonly jobs: Jobs,
    private readonly scratchDir: string,
  ) {}

  private checkpointPath(ref: CheckpointRef): string {
    const cp = this.store.listCheckpoints(ref.runId).find((c) => c.step === ref.step);
    if (!cp) throw new CodError('not_found', `run ${ref.runId} has no checkpoint at step ${ref.step}`, 'checkpoint');
    return cp.path;
  }

  start(a: CheckpointRef, b: CheckpointRef, suite: string): JobView {
    const aDir = this.checkpointPath(a);
    const bDir = this.checkpointPath(b);
    const { curriculum, evalSuites: suites } = runConfigView(this.store.getRun(a.runId).config);
    if (!curriculum) throw new CodError('bad_config', `run ${a.runId} stores no curriculum to take suites from`);
    if (!suites.includes(suite))
      throw new CodError(
        'bad_input',
        `run ${a.runId}'s curriculum has no suite '${suite}' (has: ${suites.join(', ') || 'none'})`,
        'suite',
      );

    const job = this.jobs.create('compare', `${a.runId}@${a.step} vs ${b.runId}@${b.step} on ${suite}`, {
      a,
      b,
      suite,
    });
    // The evaluator reads the suite from a curriculum file: write run A's curriculum as one.
    mkdirSync(this.scratchDir, { recursive: true });
    const file = path.join(this.scratchDir, `${job.id}.yaml`);
    writeFileSync(file, stringify(curriculum, { lineWidth: 0 }), 'utf8');

    const proc = this.host.start({
      args: [JOB_COMMANDS.compare, aDir, bDir, '--curriculum', file, '--suite', suite, '--json', '--events'],
    });
    const stderr: string[] = [];
    // --json prints one indented JSON array at the end; progress comes as JSON lines on stderr (--events).
    const stdout: string[] = [];
    proc.onStdoutLine((l) => stdout.push(l));
    proc.onStderrLine((l) => {
      const p = parseLine(progressEvent, l);
      if (p) {
        this.jobs.update(job.id, { state: 'running', progress: { done: p.done, total: p.total } });
        return;
      }
      stderr.push(l);
      if (stderr.length > 50) stderr.shift();
    });
    proc.onExit((exit) => {
      if (exit.code !== 0) {
        this.jobs.update(job.id, { state: 'failed', error: failureMessage(stderr, exit) });
        return;
      }
      const parsed = parseCompareOutput(stdout.join('\n'), suite);
      if (parsed.ok) this.jobs.update(job.id, { state: 'done', result: parsed.result });
      else this.jobs.update(job.id, { state: 'failed', error: parsed.error });
    });
    return this.jobs.update(job.id, { state: 'running' });
  }
}
