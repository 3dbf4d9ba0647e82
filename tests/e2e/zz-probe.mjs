import { chromium } from 'playwright-core';
const url = process.argv[2];
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
const page = await b.newPage({ viewport: { width: 1440, height: 900 } });
page.on('console', (m) => m.type() === 'error' && console.log('console', m.type(), m.text()));
page.on('pageerror', (e) => console.log('pageerror', e.message));
await page.goto(url);
await page.waitForSelector('[data-testid=nav-runs]');
const editorText = () => page.evaluate(() => { const el = document.querySelector('.cm-content'); return el?.cmView?.view.state.doc.toString() ?? 'NOVIEW:' + el?.innerText; });
try {
  const mod = await import(process.argv[3]);
  await mod.default(page, { editorText });
} catch (e) { console.log('FAILED', e.message.split('\n').slice(0, 6).join('\n')); }
await page.screenshot({ path: '/tmp/dbg/shot.png' });
await b.close();
