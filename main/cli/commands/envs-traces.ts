import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { CodError } from '../../base/errors.ts';
import { requireScriptedAgents } from '../../cod/scripted-policy.ts';
import { exportTraces, type TraceLine } from '../../cod/traces.ts';
import { InProcessEnvHost } from '../../envs/inprocess-host.ts';
import { getDomain } from '../../envs/registry.ts';
import { choiceFlag, flagTable, intFlag, numberFlag, parseFlags, requireFlag } from '../args.ts';
import type { CliCommand } from '../command.ts';
import { domainArg, PACK_FLAGS, progressReporter } from './envs-check.ts';

const USAGE =
  'DOMAIN [--preset P] --packs N [--pack-size S] [--note-noise X] [--rendering compact|chat] [--seed X] --out FILE.jsonl';

export const envsTraces: CliCommand = {
  path: ['envs', 'traces'],
  summary: "Export the scripted oracle's lifecycles as supervised warm-start data (one JSON line per model call)",
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, flagTable([...PACK_FLAGS, 'packs', 'note-noise', 'out']), true);
    const domain = requireScriptedAgents(getDomain(domainArg(positionals, USAGE)));
    const out = requireFlag(values.out, 'out');
    const packs = intFlag(requireFlag(values.packs, 'packs'), 'packs', 0);
    if (packs < 1) throw new CodError('bad_input', `--packs must be at least 1, got ${packs}`);
    const packSize = intFlag(values['pack-size'], 'pack-size', 4);
    if (packSize < 1) throw new CodError('bad_input', `--pack-size must be at least 1, got ${packSize}`);
    const noteNoise = numberFlag(values['note-noise'], 'note-noise', 0);
    if (noteNoise < 0 || noteNoise > 1)
      throw new CodError('bad_input', `--note-noise must be in [0, 1], got ${noteNoise}`);
    const rendering = choiceFlag(values.rendering, 'rendering', ['compact', 'chat']);
    const preset = values.preset ?? domain.defaultPreset;
    if (!domain.presets.includes(preset))
      throw new CodError('bad_input', `domain '${domain.id}' has no preset '${preset}' (${domain.presets.join(', ')})`);

    const stream = createWriteStream(out, { encoding: 'utf8' });
    const opened = once(stream, 'open').catch((e: Error) => {
      throw new CodError('io', `cannot write the file (${e.message})`, out);
    });
    await opened;
    const host = new InProcessEnvHost([domain]);
    try {
      const write = async (line: TraceLine): Promise<void> => {
        if (!stream.write(JSON.stringify(line) + '\n')) await once(stream, 'drain');
      };
      const summary = await exportTraces({
        domain,
        host,
        preset,
        packs,
        packSize,
        seed: values.seed ?? '0',
        noteNoise,
        rendering,
        write,
        onProgress: progressReporter(`cod envs traces ${domain.id}`),
      });
      stream.end();
      await once(stream, 'finish');
      console.log(
        `wrote ${summary.lines} model calls from ${summary.lifecycles - summary.failedLifecycles} oracle lifecycles` +
          ` (${domain.id}/${preset}, ${rendering}, S=${packSize}, note noise ${noteNoise}) -> ${out}` +
          (summary.failedLifecycles ? `; ${summary.failedLifecycles} lifecycles failed and were left out` : ''),
      );
      return 0;
    } finally {
      if (!stream.closed) stream.destroy();
      await host.dispose();
    }
  },
};
