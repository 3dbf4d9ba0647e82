/**
 * The app researchers expect (issue 22), in Debian's Chromium against a real `cod serve` on a real store: the
 * connection states, the curriculum editor (a YAML comment survives a form edit, an unknown domain and G < 2 are
 * flagged), real `cod train` runs of the built-in model launched from the UI (their phases, the CoD view with one
 * and with several evaluated checkpoints, names, tags, notes and details), a stop during the step-0 evaluation, a
 * comparison of the built-in model with a trained checkpoint that survives a reload, one cancelled, both in the
 * history, Replay's hint history, legend, filters and deep links, and the keyboard. Screenshots of every view go
 * to docs/images/ (docs/app.md shows them).
 */
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReplayRun } from '../support/recorded-runs.ts';
import { launchChromium, ROOT, startServe, tempHome, watchErrors, type Served } from './serve.ts';

const IMAGES = path.join(ROOT, 'docs', 'images');

/** Two steps, every checkpoint evaluated: the CoD view with several checkpoints. */
const COD_CURRICULUM = `# e2e: a run small enough for 2 CPU cores, evaluated at every checkpoint
name: e2e-cod
rendering: compact
memory: notes
train:
  domains:
    - id: frozenlake
      preset: train
  packSize: 2
  groupSize: 2
  packsPerStep: 1
lifecycle:
  solveMaxNewTokens: 16
  updateMaxNewTokens: 32
evals:
  - name: heldout
    kind: in_domain
    domain: frozenlake
    packSize: 2
    packs: 2
    seeds: [1]
training:
  steps: 2
  saveEvery: 1
  evalEvery: 1
  seed: 0
  lr: 3.0e-4 # large enough that two steps change what the checkpoints answer
`;
/** One step and no evalEvery: only the starting model is evaluated (the CoD view with one checkpoint). */
const ONE_CURRICULUM = COD_CURRICULUM.replace('name: e2e-cod', 'name: e2e-one')
  .replace('  steps: 2\n', '  steps: 1\n')
  .replace('  evalEvery: 1\n', '');
/** A step-0 evaluation long enough to be stopped in the middle (128 tasks). */
const LONG_EVAL_CURRICULUM = COD_CURRICULUM.replace('name: e2e-cod', 'name: e2e-long-eval')
  .replace('  updateMaxNewTokens: 32', '  updateMaxNewTokens: 64')
  .replace('    packSize: 2\n    packs: 2\n', '    packSize: 8\n    packs: 16\n');

let served: Served;
let home: string;
let port: number;
let browser: Browser;
let page: Page;
let errors: string[];
let replayRun: string;
let codRun: string;
let oneRun: string;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function shot(name: string, p: Page = page): Promise<void> {
  mkdirSync(IMAGES, { recursive: true });
  await p.screenshot({ path: path.join(IMAGES, `app-${name}.png`) });
}

async function go(view: string): Promise<void> {
  await page.click(`[data-testid=nav-${view}]`);
  await page.waitForSelector(`[data-testid=nav-${view}].on`);
}

/** The YAML editor's whole text (CodeMirror draws only the lines in view; its state has them all). */
async function editorText(): Promise<string> {
  return page.evaluate(() => {
    const el = document.querySelector('.cm-content') as
      (HTMLElement & { cmView?: { view: { state: { doc: { toString(): string } } } } }) | null;
    return el?.cmView?.view.state.doc.toString() ?? el?.innerText ?? '';
  });
}

async function typeYaml(text: string): Promise<void> {
  await page.click('.cm-content');
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

async function saveCurriculum(name: string, text: string): Promise<void> {
  await page.click('text=New curriculum');
  await page.click('[data-testid=yaml-tab]');
  await page.waitForSelector('.cm-content');
  await typeYaml(text);
  await page.waitForSelector('[data-testid=validity]:has-text("✓ valid")');
  await page.fill('[data-testid=save-name]', name);
  await page.click('[data-testid=save]');
  await page.waitForSelector(`[data-testid=presets] >> text=${name} (yours)`);
}

/** Launch a saved curriculum from the Runs view; returns the new run's id once its row is selected. */
async function launch(preset: string, name?: string): Promise<string> {
  await go('runs');
  if (!(await page.isVisible('[data-testid=launch]'))) await page.click('.launch summary');
  await page.selectOption('[data-testid=launch-preset]', `user:${preset}`);
  if (name) await page.fill('[data-testid=launch-name]', name);
  await page.click('[data-testid=launch]');
  await page.waitForSelector(`[data-testid=run-title]:has-text("${name ?? preset}")`, { timeout: 150_000 });
  return (await page.getAttribute('.run-list li.selected', 'data-run'))!;
}

async function waitStatus(runId: string, statuses: string[], timeout = 300_000): Promise<string> {
  const sel = `.run-list li[data-run="${runId}"] .status`;
  await page.waitForSelector(`${sel}:is(${statuses.map((s) => `.${s}`).join(', ')})`, { timeout });
  return (await page.textContent(sel))!.trim();
}

beforeAll(async () => {
  home = tempHome('app22');
  replayRun = writeReplayRun(path.join(home, 'runs.db'));
  port = await freePort();
  served = await startServe(home, {}, port);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  errors = watchErrors(page);
  await page.goto(served.url);
  await page.waitForSelector('[data-testid=nav-runs]');
});

afterAll(async () => {
  await browser?.close();
  await served?.stop();
});

describe('the app after issue 22', () => {
  it('a link without a token, or with a wrong one, says so on the whole page', async () => {
    const other = await browser.newPage({ viewport: { width: 1200, height: 700 } });
    await other.goto(`http://127.0.0.1:${port}/`);
    await other.waitForSelector('[data-testid=connection][data-state=refused]');
    expect(await other.textContent('[data-testid=connection]')).toContain("This link's token is missing or expired");
    expect(await other.isVisible('text=No runs in this store yet')).toBe(false);
    await other.goto(`http://127.0.0.1:${port}/?token=not-the-token`);
    await other.waitForSelector('[data-testid=connection][data-state=refused]');
    expect(await other.textContent('[data-testid=connection]')).toContain("This link's token is missing or expired");
    await shot('token-refused', other);
    await other.close();
  });

  it('Curricula: a YAML comment survives a form edit; unknown domains and G < 2 are flagged at their field and line', async () => {
    await go('curricula');
    await page.click('[data-testid=presets] >> text=cpu-demo');
    await page.waitForFunction(
      () => (document.querySelector('[data-testid=f-name]') as HTMLInputElement | null)?.value === 'cpu-demo',
    );
    await page.fill('[data-testid=f-group-size]', '8');
    await page.waitForSelector('[data-testid=validity]:has-text("✓ valid")');
    await page.click('[data-testid=yaml-tab]');
    await page.waitForSelector('.cm-content');
    const yaml = await editorText();
    // The value changed in place; the comment on its line and the file's first comment are still there.
    expect(yaml).toContain('groupSize: 8 # the baseline is the mean of 4 rollouts: noisier than 8, half the cost');
    expect(yaml.startsWith('# A run that finishes on a laptop')).toBe(true);
    expect(yaml.indexOf('name: cpu-demo')).toBeLessThan(yaml.indexOf('train:'));
    expect(await page.locator('.cm-lineNumbers .cm-gutterElement').count()).toBeGreaterThan(20);

    // A misspelt domain, typed in the form: flagged at the field and in the list, at its line.
    await page.click('[data-testid=form-tab]');
    await page.fill('[data-testid=f-domain-0]', 'frozenlak');
    await page.waitForSelector('[data-testid=f-domain-0-issue]');
    expect(await page.textContent('[data-testid=f-domain-0-issue]')).toContain("unknown domain 'frozenlak'");
    // G = 1 as well: every advantage would be 0.
    await page.fill('[data-testid=f-group-size]', '1');
    await page.waitForSelector('[data-testid=f-group-size-issue]');
    expect(await page.textContent('[data-testid=f-group-size-issue]')).toContain('must be at least 2');
    expect(await page.textContent('[data-testid=issues]')).toContain('train.domains[0].id');
    // A problem in the list goes to its field in the form …
    await page.click('[data-testid=issues] button:has-text("unknown domain")');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('f-domain-0');
    await shot('curricula-form');
    // … and to its line in the YAML editor, where it is underlined.
    await page.click('[data-testid=yaml-tab]');
    await page.waitForSelector('.cm-lintRange-error');
    const line = Number(await page.getAttribute('[data-testid=issues] button:has-text("unknown domain")', 'data-line'));
    await page.click('[data-testid=issues] button:has-text("unknown domain")');
    expect(await page.textContent('.cm-activeLine')).toContain('frozenlak');
    expect((await editorText()).split('\n')[line - 1]).toContain('id: frozenlak');
    await shot('curricula-yaml');

    // The runs the other tests launch.
    await saveCurriculum('e2e-cod', COD_CURRICULUM);
    await saveCurriculum('e2e-one', ONE_CURRICULUM);
    await saveCurriculum('e2e-long-eval', LONG_EVAL_CURRICULUM);
  });

  it('Runs: a launched run shows its phases (the step-0 evaluation among them) and ends finished', async () => {
    await go('runs');
    // Every phase any job showed, in order (the page's own record).
    await page.evaluate(() => {
      const w = window as unknown as { __phases: string[] };
      w.__phases = [];
      new MutationObserver((ms) => {
        for (const m of ms) {
          const p = (m.target as HTMLElement).dataset.phase;
          if (p && w.__phases[w.__phases.length - 1] !== p) w.__phases.push(p);
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-phase'] });
    });
    codRun = await launch('e2e-cod');
    await page.waitForSelector('.run-job[data-phase]', { timeout: 120_000 }).catch(() => undefined);
    expect(await waitStatus(codRun, ['finished', 'failed', 'stopped'])).toBe('finished');
    const phases = await page.evaluate(() => (window as unknown as { __phases: string[] }).__phases);
    console.log(`e2e: phases shown while e2e-cod trained: ${phases.join(' > ')}`);
    expect(phases).toContain('eval');
    expect(phases).toContain('train');

    // Named at launch (a run is otherwise named after its curriculum).
    oneRun = await launch('e2e-one', 'one checkpoint only');
    expect(await waitStatus(oneRun, ['finished', 'failed', 'stopped'])).toBe('finished');
  }, 900_000);

  it('the CoD view with several checkpoints and with one', async () => {
    await page.keyboard.press('Alt+5');
    await page.waitForSelector('[data-testid=nav-cod].on');
    await page.selectOption('[data-testid=cod-run]', codRun);
    await page.waitForSelector('[data-testid=eval-curves][data-suite=heldout][data-checkpoints="3"]');
    const rows = page.locator('[data-testid=eval-table] tbody tr');
    expect(await rows.count()).toBe(3);
    expect(await rows.nth(0).locator('[data-testid=eval-effect]').textContent()).toContain('reference');
    for (const i of [1, 2])
      expect((await rows.nth(i).locator('[data-testid=eval-effect]').textContent())!.trim()).toMatch(/^-?\d/);
    // One line per checkpoint on the reward-by-position chart; the effect and the rise over checkpoints.
    expect(await page.getAttribute('[data-testid=eval-curves] .chart >> nth=0', 'data-lines')).toBe(
      'step 0 (start)|step 1|step 2',
    );
    expect(await page.getAttribute('[data-testid=eval-curves] .chart >> nth=1', 'data-lines')).toBe(
      'CoD effect vs step 0 (start)|rise (last − first position)',
    );
    await shot('cod');

    await page.selectOption('[data-testid=cod-run]', oneRun);
    await page.waitForSelector('[data-testid=eval-curves][data-suite=heldout][data-checkpoints="1"]');
    expect(await page.textContent('[data-testid=eval-one-checkpoint]')).toContain('One evaluated checkpoint');
    expect(await page.getAttribute('[data-testid=eval-curves] .chart >> nth=0', 'data-lines')).toBe('step 0 (start)');
    await shot('cod-one-checkpoint');
  });

  it('Runs: rename, tags and notes are stored; search and filters find the run; details show how it ran', async () => {
    await go('runs');
    await page.click(`.run-list li[data-run="${codRun}"]`);
    await page.click('[data-testid=rename]');
    await page.fill('[data-testid=rename-input]', 'cod effect demo');
    await page.click('[data-testid=rename-save]');
    await page.waitForSelector('[data-testid=run-title]:has-text("cod effect demo")');
    await page.fill('[data-testid=tag-input]', 'e2e, cod-view');
    await page.press('[data-testid=tag-input]', 'Enter');
    await page.waitForSelector('.run-head [data-tag=cod-view]');
    await page.click('[data-testid=tab-details]');
    await page.fill('[data-testid=notes]', 'two steps, evaluated at every checkpoint');
    await page.click('[data-testid=notes-save]');
    await page.waitForSelector('text=Notes saved');
    // Stored: a reload finds them.
    await page.reload();
    await page.waitForSelector(`.run-list li[data-run="${codRun}"]`);
    await page.click(`.run-list li[data-run="${codRun}"]`);
    await page.waitForSelector('[data-testid=run-title]:has-text("cod effect demo")');
    expect(await page.textContent('.run-head')).toContain('cod-view');
    await page.click('[data-testid=tab-details]');
    expect(await page.inputValue('[data-testid=notes]')).toBe('two steps, evaluated at every checkpoint');
    expect(await page.textContent('[data-testid=detail-stop-reason]')).toContain('finished: trained all 2 steps');
    expect(await page.textContent('[data-testid=detail-model]')).toContain(path.join('resources', 'models', 'builtin'));
    expect(await page.textContent('[data-testid=detail-backend]')).toContain('local');
    expect(await page.locator('[data-testid=detail-command]').first().textContent()).toMatch(
      /^cod train \S+e2e-cod\.yaml/,
    );
    expect(await page.locator('[data-testid=detail-checkpoints] tbody tr').count()).toBe(2);
    await page.waitForSelector('[data-testid=detail-log]:has-text("step 2/2")');
    await shot('runs-details');

    // Search, filter by tag and by curriculum.
    await page.fill('[data-testid=run-search]', 'demo');
    expect(await page.locator('.run-list li[data-run]').count()).toBe(1);
    await page.fill('[data-testid=run-search]', '');
    await page.selectOption('[data-testid=run-filter-tag]', 'cod-view');
    expect(await page.locator('.run-list li[data-run]').count()).toBe(1);
    await page.selectOption('[data-testid=run-filter-tag]', '');
    await page.selectOption('[data-testid=run-filter-curriculum]', 'e2e-one');
    expect(await page.locator('.run-list li[data-run]').getAttribute('data-run')).toBe(oneRun);
    await page.selectOption('[data-testid=run-filter-curriculum]', '');
  });

  it('Runs: sections, metric search, pin and hide, one zoom for all, a chart as a table and as CSV', async () => {
    await page.click(`.run-list li[data-run="${codRun}"]`);
    await page.click('[data-testid=tab-charts]');
    await page.waitForSelector('[data-title="Loss"]');
    expect(await page.getAttribute('[data-section=cod] [data-title="Reward by pack position"]', 'data-lines')).toBe(
      'reward/pos0|reward/pos1',
    );
    await page.waitForSelector('[data-section=eval] [data-testid=eval-curves][data-checkpoints="3"]');
    await page.fill('[data-testid=metric-search]', 'grad');
    expect(await page.locator('.section .chart[data-title]').count()).toBe(1);
    await page.fill('[data-testid=metric-search]', '');
    await page.click('[data-testid=pin-loss]');
    await page.waitForSelector('[data-section=pinned] [data-title="Loss"]');
    await page.click('[data-testid=hide-clip]');
    expect(await page.isVisible('[data-title="Clipped fraction"]')).toBe(false);
    await page.click('.hidden-panels summary');
    await page.click('text=Show Clipped fraction');
    await page.waitForSelector('[data-title="Clipped fraction"]');
    // The keyboard reads a chart: End goes to its last point, T opens its table.
    await page.focus('[data-title="Loss"] .chart-canvas');
    await page.keyboard.press('End');
    expect(await page.textContent('[data-title="Loss"] .cursor')).toMatch(/^step 2: loss -?\d/);
    await page.keyboard.press('t');
    await page.waitForSelector('[data-title="Loss"] [data-testid=chart-table]');
    expect(await page.locator('[data-title="Loss"] [data-testid=chart-table] tbody tr').count()).toBe(2);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-title="Loss"] [data-testid=chart-csv]'),
    ]);
    expect(download.suggestedFilename()).toBe('Loss.csv');
    // Zoom one chart: every chart follows; reset shows all again.
    const box = (await page.locator('[data-title="Loss"] .chart-canvas').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -400);
    await page.waitForSelector('[data-testid=zoom-range]');
    await page.click('[data-testid=reset-zoom]');
    await page.waitForSelector('[data-testid=zoom-range]', { state: 'detached' });
    await page.locator('[data-section=pinned] button:has-text("Unpin")').click();
    await shot('runs');
  });

  it('a launched run stops within seconds during its step-0 evaluation, and a long resume asks first', async () => {
    const run = await launch('e2e-long-eval');
    await page.waitForSelector('.run-job[data-phase=eval]', { timeout: 120_000 });
    // The phase shows its count of tasks; wait for some to be played, so the stop lands in the middle of it.
    await page.waitForFunction(
      () => /[1-9]\d* \/ 128 tasks/.test(document.querySelector('.run-job [data-testid=job-phase]')?.textContent ?? ''),
      null,
      { timeout: 120_000 },
    );
    expect(await page.textContent('.run-job [data-testid=job-phase]')).toContain(
      'evaluating heldout on the starting model',
    );
    await shot('runs-eval-phase');
    const t0 = Date.now();
    await page.click('[data-testid=stop]');
    expect(await waitStatus(run, ['stopped', 'finished', 'failed'], 60_000)).toBe('stopped');
    const stopMs = Date.now() - t0;
    console.log(`e2e: Stop during the step-0 evaluation -> run stopped in ${stopMs} ms`);
    expect(stopMs).toBeLessThan(20_000);
    // Its pace is unknown (no step yet) and it would train on: Resume asks first, with what it would do.
    await page.click(`.run-list li[data-run="${run}"]`);
    await page.click('[data-testid=resume]');
    await page.waitForSelector('[data-testid=resume-dialog][open]');
    expect(await page.textContent('[data-testid=resume-estimate]')).toContain('trains 2 more steps');
    await shot('runs-resume-confirm');
    await page.click('[data-testid=resume-cancel]');
    expect(await page.isVisible('[data-testid=resume-dialog][open]')).toBe(false);
  }, 600_000);

  it('Compare: the built-in model against a trained checkpoint, through a reload; a cancel; both in the history', async () => {
    await go('compare');
    await page.selectOption('[data-testid=cmp-kind-a]', 'builtin');
    await page.selectOption('[data-testid=cmp-kind-b]', 'checkpoint');
    await page.selectOption('[data-testid=cmp-run-b]', codRun);
    await page.waitForSelector('[data-testid=cmp-step-b] option[value="2"]', { state: 'attached' });
    await page.selectOption('[data-testid=cmp-step-b]', '2');
    await page.selectOption('[data-testid=cmp-suites]', `run:${codRun}`);
    await page.waitForSelector('[data-testid=cmp-suite] option[value=heldout]', { state: 'attached' });
    await page.fill('[data-testid=cmp-seeds]', '1,2,3');
    await page.click('[data-testid=cmp-start]');
    await page.waitForSelector('[data-testid=cmp-job] [data-testid=job-progress][data-state=running]');
    const jobId = (await page.getAttribute('[data-testid=cmp-job] [data-testid=job-progress]', 'data-job'))!;
    expect(await page.textContent('[data-testid=cmp-job]')).toContain('built-in model vs');
    await page.waitForSelector('[data-testid=cmp-job] [data-phase^=evaluate]', { timeout: 120_000 });
    await shot('compare-running');
    // The server owns the job: a reload finds it, still running or done, and shows its result when it ends.
    await page.reload();
    await page.waitForSelector(`[data-testid=cmp-job] [data-job="${jobId}"]`);
    await page.waitForSelector('[data-testid=cmp-state]:is(.done, .failed)', { timeout: 300_000 });
    expect(
      await page.textContent('[data-testid=cmp-state]'),
      (await page.textContent('[data-testid=cmp-job]')) ?? '',
    ).toBe('done');
    expect(await page.locator('[data-testid=cmp-result] table.nums tbody tr').count()).toBe(2);
    expect(await page.textContent('[data-testid=cmp-effect]')).toContain('CoD effect');
    await shot('compare');

    // A second, larger comparison, cancelled.
    await page.fill('[data-testid=cmp-seeds]', '11,12,13,14,15,16,17,18');
    await page.click('[data-testid=cmp-start]');
    await page.waitForFunction((first) => {
      const el = document.querySelector('[data-testid=cmp-job] [data-testid=job-progress]');
      return el && el.getAttribute('data-job') !== first && el.getAttribute('data-state') === 'running';
    }, jobId);
    const second = (await page.getAttribute('[data-testid=cmp-job] [data-testid=job-progress]', 'data-job'))!;
    await page.click('[data-testid=cmp-job] [data-testid=job-cancel]');
    await page.waitForSelector('[data-testid=cmp-state].stopped', { timeout: 30_000 });
    await page.waitForSelector(`[data-comparison="${second}"]`);
    expect(await page.textContent(`[data-comparison="${second}"]`)).toContain('cancelled');
    expect(await page.textContent(`[data-comparison="${jobId}"]`)).toContain('done');
    // Open the finished one from the history: its result is shown again.
    await page.click(`[data-testid=cmp-open-${jobId}]`);
    await page.waitForSelector(`[data-testid=cmp-result][data-label*="built-in model vs ${codRun}@2"]`);
    await shot('compare-history');
  }, 900_000);

  it('Replay: no "Hints: null" in the first diff, a colour legend, lifecycle filters, the hint history, deep links', async () => {
    const base = served.url.replace(/\?token=.*$/, '');
    // A deep link to lifecycle l1's third call (its update) of step 1.
    await go('replay');
    await page.selectOption('[data-testid=replay-run]', replayRun);
    await page.waitForSelector('[data-testid=frame]');
    const lc = (await page.getAttribute('[data-testid=lifecycles] tbody tr >> nth=0', 'data-lifecycle'))!;
    await page.goto(`${base}#/replay?run=${replayRun}&step=1&lc=${lc}&call=3`);
    await page.waitForSelector('[data-testid=frame-counter]:has-text("call 3 of 4")');
    const diff = (await page.textContent('[data-testid=hint-diff]'))!;
    expect(diff).toContain('(no hints before)');
    expect(diff).not.toContain('Hints: null');
    expect(diff).toContain('- code 2 = Right');
    // The walk is kept in the address.
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => /call=4/.test(location.hash));
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    expect(await page.textContent('[data-testid=colour-legend]')).toContain('probability of the sampled token');
    await shot('replay');
    // Filters: the lifecycle whose reward falls is l2 ([0, 0.5] rises; [0.9, 0.95] rises): none falls.
    await page.selectOption('[data-testid=lc-outcome]', 'falls');
    expect(await page.textContent('[data-testid=lc-count]')).toBe('0 of 2');
    await page.selectOption('[data-testid=lc-outcome]', 'all');
    await page.fill('[data-testid=lc-search]', 'train/1');
    expect(await page.textContent('[data-testid=lc-count]')).toBe('1 of 2');
    await page.fill('[data-testid=lc-search]', '');
    await page.fill('[data-testid=lc-min-mean]', '0.5');
    expect(await page.textContent('[data-testid=lc-count]')).toBe('1 of 2');
    await page.fill('[data-testid=lc-min-mean]', '');
    // The whole hint history on one page (h toggles it).
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('h');
    await page.waitForSelector('[data-testid=hint-history] [data-z="1"]');
    expect(await page.textContent('[data-testid=hint-history]')).toContain(
      'no hints: the first task starts from nothing',
    );
    await shot('replay-history');
  });

  it('every view answers the keyboard: Alt+1..5, Tab to a run, Enter selects it', async () => {
    for (const [key, view] of [
      ['1', 'curricula'],
      ['2', 'runs'],
      ['3', 'replay'],
      ['4', 'compare'],
      ['5', 'cod'],
    ]) {
      await page.keyboard.press(`Alt+${key}`);
      await page.waitForSelector(`[data-testid=nav-${view}].on`);
    }
    await page.keyboard.press('Alt+2');
    await page.focus(`.run-list li[data-run="${oneRun}"]`);
    await page.keyboard.press('Enter');
    await page.waitForSelector(`.run-list li.selected[data-run="${oneRun}"]`);
    // Every chart canvas is a tab stop with a description.
    const label = await page.getAttribute('.chart-canvas >> nth=0', 'aria-label');
    expect(label).toMatch(/Arrow keys read the points, T shows a table/);
  });

  it('shows no page errors while connected', () => {
    expect(errors).toEqual([]);
  });

  it('the server gone: "disconnected" over the whole page; back with a new token: "token refused"', async () => {
    await go('runs');
    await served.stop();
    await page.waitForSelector('[data-testid=connection][data-state=disconnected]', { timeout: 30_000 });
    expect(await page.textContent('[data-testid=connection]')).toContain('Disconnected from the workbench server');
    expect(await page.textContent('[data-testid=connection]')).toContain('reconnects by itself');
    await shot('disconnected');
    // A new `cod serve` on the same port has a new token: the page finds it and says its link has expired.
    served = await startServe(home, {}, port);
    await page.waitForSelector('[data-testid=connection][data-state=refused]', { timeout: 60_000 });
  });
});
