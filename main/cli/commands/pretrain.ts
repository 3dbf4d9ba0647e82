import { CodError } from '../../base/errors.ts';
import { pretrain, PRETRAIN_DEFAULTS, type PretrainDomain } from '../../training/pretrain.ts';
import { flagTable, intFlag, numberFlag, parseFlags, requireFlag } from '../args.ts';
import type { CliCommand } from '../command.ts';
import { StopRequest } from '../stop-request.ts';

function parseDomains(specs: readonly string[] | undefined): PretrainDomain[] {
  if (!specs || specs.length === 0) return [...PRETRAIN_DEFAULTS.domains];
  return specs.map((s) => {
    const m = /^([a-z][a-z0-9_-]*)(?::([A-Za-z0-9_.-]+))?(?:=(\d+))?$/.exec(s);
    if (!m) throw new CodError('bad_input', `expected DOMAIN[:PRESET][=PACKS], got '${s}'`, '--domain');
    return { id: m[1], preset: m[2] ?? 'train', packs: m[3] ? Number(m[3]) : 1000 };
  });
}

export const pretrainCommand: CliCommand = {
  path: ['pretrain'],
  summary: 'Warm-start the built-in model: supervised training on scripted lifecycles with imperfect notes',
  usage:
    '--out DIR [--domain DOMAIN[:PRESET][=PACKS]]... [--steps N] [--note-noise X] [--lr X] [--tokens-per-step N]\n' +
    '          [--seed N] [--threads N] [--save-every N] [--resume] [--init CHECKPOINT_DIR]\n' +
    '          [--drills N] [--induction-steps N]\n\n' +
    "  --drills adds N FrozenLake note-reading drills (notes + several first observations, the oracle's answers).\n" +
    '  --induction-steps trains at most N steps on repeated random spans first, ending early once the lookup\n' +
    '  that reading notes needs has formed (its loss below 60% of chance); default ' +
    `${PRETRAIN_DEFAULTS.inductionSteps}, or 0 with --init.\n` +
    '  --init continues from a checkpoint (its weights and tokenizer; a fresh optimizer); give another --seed for\n' +
    '  fresh packs.\n' +
    '  Ctrl-C (SIGINT/SIGTERM) stops after the current step with the state saved in DIR; --resume with the same\n' +
    '  options continues exactly.\n' +
    `  Defaults make the first stage of resources/models/builtin: frozenlake:train=${PRETRAIN_DEFAULTS.domains[0].packs}, ` +
    `${PRETRAIN_DEFAULTS.steps} steps, note noise ${PRETRAIN_DEFAULTS.noteNoise}, lr ${PRETRAIN_DEFAULTS.lr};\n` +
    '  `npm run pretrain:builtin -- DIR` makes both stages (docs/training.md).',
  async run(argv) {
    const schedule = ['steps', 'lr', 'tokens-per-step', 'save-every', 'drills', 'induction-steps'] as const;
    const { values } = parseFlags(
      argv,
      flagTable(['out', 'note-noise', 'seed', 'threads', 'init', ...schedule], ['resume'], ['domain']),
    );
    const out = requireFlag(values.out, 'out');
    const d = PRETRAIN_DEFAULTS;
    const steps = intFlag(values.steps, 'steps', d.steps);
    if (steps < 1) throw new CodError('bad_input', '--steps must be at least 1');
    const noteNoise = numberFlag(values['note-noise'], 'note-noise', d.noteNoise);
    if (!(noteNoise >= 0 && noteNoise <= 1)) throw new CodError('bad_input', '--note-noise must be in [0, 1]');
    const lr = numberFlag(values.lr, 'lr', d.lr);
    if (!(lr > 0)) throw new CodError('bad_input', '--lr must be positive');
    const tokensPerStep = intFlag(values['tokens-per-step'], 'tokens-per-step', d.tokensPerStep);
    if (tokensPerStep < 512) throw new CodError('bad_input', '--tokens-per-step must be at least 512');
    const threads = intFlag(values.threads, 'threads', 2);
    if (threads < 1) throw new CodError('bad_input', '--threads must be at least 1');
    const saveEvery = intFlag(values['save-every'], 'save-every', 50);
    if (saveEvery < 1) throw new CodError('bad_input', '--save-every must be at least 1');
    const drills = intFlag(values.drills, 'drills', d.drills ?? 0);
    if (drills < 0) throw new CodError('bad_input', '--drills must be at least 0');
    const inductionSteps = intFlag(
      values['induction-steps'],
      'induction-steps',
      values.init ? 0 : (d.inductionSteps ?? 0),
    );
    if (inductionSteps < 0) throw new CodError('bad_input', '--induction-steps must be at least 0');
    const stop = new StopRequest('cod pretrain');
    let lastLine = 0;
    const summary = await pretrain({
      saveEvery,
      resume: values.resume ?? false,
      signal: stop.signal,
      ...d,
      domains: parseDomains(values.domain),
      steps,
      noteNoise,
      lr,
      tokensPerStep,
      seed: intFlag(values.seed, 'seed', d.seed),
      threads,
      ...(values.init ? { init: values.init } : {}),
      drills,
      inductionSteps,
      out,
      onStep: (p) => {
        const now = Date.now();
        if (p.step === p.steps || now - lastLine > 5000) {
          lastLine = now;
          process.stderr.write(
            `cod pretrain: step ${p.step}/${p.steps} (${p.stage}) loss ${p.loss.toFixed(4)} lr ${p.lr.toExponential(2)} ` +
              `${Math.round(p.tokensPerSecond)} tokens/s\n`,
          );
        }
      },
    }).finally(() => stop.dispose());
    if (summary.stopped) {
      console.log(`stopped after step ${summary.stepsDone}; continue with the same options and --resume`);
      return 0;
    }
    console.log(
      `pretrained on ${summary.examples} episodes (${summary.tokens} tokens, ${summary.assistantTokens} in responses), ` +
        `${summary.inductionSteps} induction steps first, final loss ${summary.finalLoss.toFixed(4)}, ${summary.seconds.toFixed(0)} s -> ${summary.out}`,
    );
    return 0;
  },
};
