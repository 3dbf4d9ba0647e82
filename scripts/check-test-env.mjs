// Before `npm test`: everything the suite needs from outside npm, each missing piece named with the command that
// installs it, instead of a failure deep inside a test.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const problems = [];

// The project pins Node 22 through the `node` npm package; npm scripts put it first on PATH.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22)
  problems.push(`Node >= 22 (running ${process.version}): run the suite through npm scripts or npx after \`npm ci\``);

const python = '/usr/bin/python3';
const torch = existsSync(python) && spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!torch)
  problems.push(
    'PyTorch for /usr/bin/python3, the gradient-parity reference: sudo apt-get install python3-torch libopenblas0-openmp',
  );

const chromium = process.env.COD_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromium))
  problems.push(
    `Chromium at ${chromium}, for the end-to-end tests: sudo apt-get install chromium (or set COD_CHROMIUM)`,
  );

if (problems.length > 0) {
  console.error(`npm test cannot run here; missing:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  console.error('(.ci/run installs all of them on a clean machine.)');
  process.exit(1);
}
