import { CodError } from '../../base/errors.ts';
import { formatCodnessReport, runCodnessCheck } from '../../cod/codness-check.ts';
import { requireScriptedAgents } from '../../cod/scripted-policy.ts';
import { InProcessEnvHost } from '../../envs/inprocess-host.ts';
import { getDomain } from '../../envs/registry.ts';
import { choiceFlag, flagTable, intFlag, parseFlags } from '../args.ts';
import type { CliCommand } from '../command.ts';

/** Progress on stderr: a live line on a terminal, a line per 10% otherwise (logs stay short). */
export function progressReporter(label: string, unit = 'lifecycles'): (done: number, total: number) => void {
  let lastTenth = -1;
  return (done, total) => {
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${label}: ${done}/${total} ${unit}${done === total ? '\n' : ''}`);
      return;
    }
    const tenth = Math.floor((10 * done) / Math.max(1, total));
    if (tenth !== lastTenth) {
      lastTenth = tenth;
      process.stderr.write(`${label}: ${done}/${total} ${unit}\n`);
    }
  };
}

/** The flags naming a pack of a domain, shared by the `cod envs` commands. */
export const PACK_FLAGS = ['preset', 'pack-size', 'seed', 'rendering'] as const;

/** The single positional DOMAIN argument. */
export function domainArg(positionals: readonly string[], usage: string): string {
  if (positionals.length !== 1)
    throw new CodError('bad_input', `expected exactly one DOMAIN argument (usage: ${usage})`);
  return positionals[0];
}

const USAGE =
  'DOMAIN [--preset P] [--packs N] [--pack-size S] [--seed X] [--rendering chat|compact] [--ralph] [--json]';

export const envsCheck: CliCommand = {
  path: ['envs', 'check'],
  summary: "A domain's CoD-ness table: oracle with notes vs empty context vs random, by pack position",
  usage: `${USAGE}\n\nExit status 0 when the domain passes the check, 1 when it fails, 2 on bad input.`,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, flagTable([...PACK_FLAGS, 'packs'], ['ralph', 'json']), true);
    const domain = requireScriptedAgents(getDomain(domainArg(positionals, USAGE)));
    const packs = intFlag(values.packs, 'packs', 20);
    if (packs < 2)
      throw new CodError('bad_input', `--packs must be at least 2 (for confidence intervals), got ${packs}`);
    const rendering = choiceFlag(values.rendering, 'rendering', ['chat', 'compact']);
    const host = new InProcessEnvHost([domain]);
    try {
      const report = await runCodnessCheck({
        domain,
        host,
        preset: values.preset ?? domain.defaultPreset,
        packs,
        packSize: intFlag(values['pack-size'], 'pack-size', 8),
        seed: values.seed ?? '0',
        ralph: values.ralph ?? false,
        rendering,
        onProgress: progressReporter(`cod envs check ${domain.id}`),
      });
      console.log(values.json ? JSON.stringify(report, null, 2) : formatCodnessReport(report));
      return report.pass ? 0 : 1;
    } finally {
      await host.dispose();
    }
  },
};
