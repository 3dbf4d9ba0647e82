/**
 * `cod envs play DOMAIN`: play one pack yourself, in the terminal, the way the model plays it. You see each
 * task's system prompt (rules plus your notes, rendered with the method's own templates) and observations, type
 * the text that would go inside <answer>, and between tasks rewrite your notes, which replace the old ones
 * exactly as the model's hints do. Reads stdin line by line, so it also runs with piped input.
 */
import { createInterface, type Interface } from 'node:readline';
import { CodError } from '../../base/errors.ts';
import { HINTS_NULL, hintBody } from '../../cod/hints.ts';
import { TRAIN_PACK_SIZE } from '../../cod/packs.ts';
import { renderSolveSystem } from '../../cod/prompt-render.ts';
import { DEFAULT_PROMPTS } from '../../cod/prompts.ts';
import type { EnvHost, PackHandle } from '../../envs/host.ts';
import { InProcessEnvHost } from '../../envs/inprocess-host.ts';
import { loadPlugins } from '../../envs/plugin.ts';
import { listDomains } from '../../envs/registry.ts';
import { SandboxEnvHost } from '../../envs/sandbox/host.ts';
import type { Outcome, Rendering } from '../../envs/sdk.ts';
import { stableSeed } from '../../envs/seed.ts';
import { choiceFlag, flagTable, intFlag, parseFlags } from '../args.ts';
import type { CliCommand } from '../command.ts';
import { PACK_FLAGS } from './envs-check.ts';

const USAGE =
  'DOMAIN [--seed N] [--preset P] [--rendering chat|compact] [--pack-size S] [--plugins DIR]...\n\n' +
  'Type the text that goes inside <answer>…</answer> at each `action>` prompt. Between tasks, write new notes\n' +
  "(several lines, ended by a line with a single '.'; a lone '.' keeps the current notes). --plugins loads\n" +
  'third-party domains (run sandboxed). Exit status 0 when the pack is finished, 1 if input ends early, 2 on\n' +
  'bad input.';

/** Lines of stdin on demand; undefined once the input has ended. */
class LineReader {
  private readonly lines: string[] = [];
  private readonly waiting: Array<(line: string | undefined) => void> = [];
  private ended = false;
  private readonly rl: Interface;

  constructor(input: NodeJS.ReadableStream) {
    this.rl = createInterface({ input, terminal: false, crlfDelay: Infinity });
    this.rl.on('line', (l) => {
      const w = this.waiting.shift();
      if (w) w(l);
      else this.lines.push(l);
    });
    this.rl.on('close', () => {
      this.ended = true;
      for (const w of this.waiting.splice(0)) w(undefined);
    });
  }

  next(): Promise<string | undefined> {
    if (this.lines.length > 0) return Promise.resolve(this.lines.shift());
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  close(): void {
    this.rl.close();
  }
}

class InputEnded extends Error {}

interface PositionResult {
  readonly taskId: string;
  readonly outcome: Outcome;
  readonly turns: number;
  readonly reward: number;
}

interface PlayOptions {
  readonly domain: string;
  readonly preset: string;
  readonly seed: number;
  readonly rendering: Rendering;
  readonly packSize: number;
}

const out = (s = '') => process.stdout.write(s + '\n');
/** Piped input is not echoed by a terminal: echo it, so the transcript reads like a session. */
const echo = (line: string) => {
  if (!process.stdin.isTTY) process.stdout.write(line + '\n');
};

async function readAction(input: LineReader): Promise<string> {
  for (;;) {
    process.stdout.write('action> ');
    const line = await input.next();
    if (line === undefined) throw new InputEnded();
    echo(line);
    if (line.trim() !== '') return line.trim();
  }
}

/** Lines up to a lone '.'; an immediate '.' means "keep". */
async function readNotes(input: LineReader): Promise<string | undefined> {
  const lines: string[] = [];
  process.stdout.write('notes> ');
  for (;;) {
    const line = await input.next();
    if (line === undefined) throw new InputEnded();
    echo(line);
    if (line.trim() === '.') break;
    lines.push(line);
    process.stdout.write('notes> ');
  }
  const body = lines.join('\n').trim();
  return body === '' ? undefined : body;
}

async function playTask(pack: PackHandle, index: number, hints: string, o: PlayOptions, input: LineReader) {
  const start = await pack.startTask(index);
  out(`\n--- Task ${index + 1} of ${o.packSize} (${start.taskId}, at most ${start.maxTurns} turns) ---`);
  out('[system prompt, as the model sees it]');
  out(renderSolveSystem(DEFAULT_PROMPTS[o.rendering], start.rules, hints));
  out('\n[observation]');
  out(start.observation);
  for (;;) {
    const r = await pack.step(await readAction(input));
    if (!r.done) {
      out('\n[observation]');
      out(r.observation);
      continue;
    }
    if (r.observation !== undefined) {
      out('\n[observation]');
      out(r.observation);
    }
    out(`\n--- Task ${index + 1} ended: ${r.outcome}, reward ${r.reward.toFixed(3)} ---`);
    out(`Feedback: ${r.feedback}`);
    return { taskId: start.taskId, outcome: r.outcome, turns: r.turnsUsed, reward: r.reward };
  }
}

function summary(results: readonly PositionResult[], packSize: number): string {
  const lines = ['\n=== Reward by pack position ===', 'position  reward  outcome           turns  task'];
  results.forEach((r, k) =>
    lines.push(
      `${String(k).padEnd(8)}  ${r.reward.toFixed(3)}   ${r.outcome.padEnd(16)}  ${String(r.turns).padEnd(5)}  ${r.taskId}`,
    ),
  );
  const mean = results.reduce((s, r) => s + r.reward, 0) / Math.max(1, results.length);
  lines.push(`mean reward ${mean.toFixed(3)} over ${results.length} of ${packSize} tasks`);
  return lines.join('\n');
}

async function play(host: EnvHost, o: PlayOptions, input: LineReader): Promise<number> {
  const pack = await host.openPack(o.domain, {
    seed: stableSeed('envs-play', o.domain, o.preset, o.seed),
    preset: o.preset,
    rendering: o.rendering,
  });
  out(
    `=== ${o.domain}: preset ${o.preset}, seed ${o.seed}, ${o.packSize} tasks, ${o.rendering} rendering ===\n` +
      'Type the text that goes inside <answer>…</answer>. Notes you write between tasks replace the old ones.',
  );
  const results: PositionResult[] = [];
  let hints = HINTS_NULL;
  try {
    for (let j = 0; j < o.packSize; j++) {
      results.push(await playTask(pack, j, hints, o, input));
      if (j === o.packSize - 1) break;
      out('\n--- Your notes (the model sees them as its hints on the next task) ---');
      out(hints);
      out("Write new notes for the next task; end with a line holding a single '.' (a lone '.' keeps these):");
      const notes = await readNotes(input);
      if (notes !== undefined) hints = `Hints: ${notes}`;
      else if (hintBody(hints) === '') hints = HINTS_NULL;
    }
  } catch (e) {
    if (!(e instanceof InputEnded)) throw e;
    out(`\ninput ended after ${results.length} of ${o.packSize} tasks`);
    out(summary(results, o.packSize));
    return 1;
  } finally {
    await pack.close();
  }
  out(summary(results, o.packSize));
  return 0;
}

export const envsPlay: CliCommand = {
  path: ['envs', 'play'],
  summary: 'Play a pack of a domain yourself in the terminal, with notes between tasks',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, flagTable(PACK_FLAGS, [], ['plugins']), true);
    if (positionals.length !== 1) throw new CodError('bad_input', `expected exactly one DOMAIN (usage: ${USAGE})`);
    const domain = positionals[0];
    const rendering = choiceFlag(values.rendering, 'rendering', ['chat', 'compact']);
    const packSize = intFlag(values['pack-size'], 'pack-size', TRAIN_PACK_SIZE);
    if (packSize < 1 || packSize > 64) throw new CodError('bad_input', `--pack-size must be 1..64, got ${packSize}`);
    const seed = intFlag(values.seed, 'seed', 0);

    const builtin = listDomains().find((d) => d.id === domain);
    const plugins = values.plugins?.length ? loadPlugins(values.plugins) : [];
    const plugin = plugins.find((p) => p.domains.includes(domain));
    if (!builtin && !plugin) {
      const known = [...listDomains().map((d) => d.id), ...plugins.flatMap((p) => p.domains)];
      throw new CodError('not_found', `unknown domain '${domain}' (known: ${known.join(', ') || 'none'})`);
    }
    let host: EnvHost;
    let defaultPreset: () => Promise<string>;
    if (builtin) {
      host = new InProcessEnvHost([builtin]);
      defaultPreset = async () => builtin.defaultPreset;
    } else {
      const sandbox = new SandboxEnvHost(plugins);
      host = sandbox;
      defaultPreset = async () => (await sandbox.describe(domain)).defaultPreset;
    }
    const input = new LineReader(process.stdin);
    try {
      const preset = values.preset ?? (await defaultPreset());
      return await play(host, { domain, preset, seed, rendering, packSize }, input);
    } finally {
      input.close();
      await host.dispose();
    }
  },
};
