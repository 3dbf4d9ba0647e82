/**
 * One fault case in a fresh process, so its time and peak memory are its own: `cli ARGS…` runs `cod ARGS…`;
 * `template DIR` renders a one-turn chat with DIR's chat template. The error goes to stderr as `cod` prints it; the
 * last stdout line is {"code", "ms", "maxRssMb"}: the exit status, the wall time of the case (module loading and
 * the render thread's start excluded) and the process's peak resident memory (module loading included).
 */
import { performance } from 'node:perf_hooks';
import { main, reportError } from '../../main/cli/index.ts';
import { renderBounded } from '../../main/models/chat-template/bounded-render.ts';
import { loadChatRenderer } from '../../main/models/chat-template/source.ts';

const [kind, ...args] = process.argv.slice(2);
let t0 = performance.now();
let code: number;
if (kind === 'cli') code = await main(args);
else if (kind === 'template') {
  try {
    const renderer = await loadChatRenderer(args[0]);
    // The render thread starts once per process (about a second: it loads the interpreter); like module loading,
    // that is not the case's time.
    renderBounded('{{ 1 }}', [{}], 'warm-up');
    t0 = performance.now();
    renderer.renderChat([{ role: 'user', content: 'hi' }], { addGenerationPrompt: true });
    code = 0;
  } catch (e) {
    code = reportError(e);
  }
} else throw new Error(`unknown probe ${kind}`);
const ms = performance.now() - t0;
process.stdout.write(`\n${JSON.stringify({ code, ms, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
process.exit(code);
