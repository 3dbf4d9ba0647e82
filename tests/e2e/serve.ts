/**
 * End-to-end helpers: a real `cod serve` process on a store in a temp COD_HOME, and Debian's Chromium driven by
 * playwright-core. Nothing is stubbed: the page talks to the server over its WebSocket, the server to the store.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type Browser, type Page } from 'playwright-core';
import { tempDir } from '../support/temp.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const CHROMIUM = process.env.COD_CHROMIUM ?? '/usr/bin/chromium';
export const SHOTS = path.join(ROOT, 'tests', 'e2e', 'screenshots');

export interface Served {
  readonly url: string;
  readonly home: string;
  readonly storePath: string;
  readonly proc: ChildProcess;
  readonly log: string[];
  stop(): Promise<void>;
}

export function tempHome(prefix: string): string {
  return tempDir(`e2e-${prefix}`);
}

/** Start `cod serve --port PORT` (0: any free port) on `home` and wait for the URL it prints. */
export async function startServe(
  home: string,
  env: Record<string, string> = {},
  port = 0,
  extraArgs: readonly string[] = [],
): Promise<Served> {
  const storePath = path.join(home, 'runs.db');
  const proc = spawn(
    process.execPath,
    [path.join(ROOT, 'bin', 'cod.mjs'), 'serve', '--port', String(port), '--store', storePath, ...extraArgs],
    {
      cwd: ROOT,
      env: { ...process.env, COD_HOME: home, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const log: string[] = [];
  createInterface({ input: proc.stderr! }).on('line', (l) => log.push(l));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cod serve printed no URL in 60 s\n${log.join('\n')}`)), 60_000);
    createInterface({ input: proc.stdout! }).on('line', (l) => {
      log.push(l);
      const m = /open (http:\/\/\S+)/.exec(l);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`cod serve exited with ${code}\n${log.join('\n')}`));
    });
  });
  return {
    url,
    home,
    storePath,
    proc,
    log,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Page errors and console errors (CSP violations among them) collected for the test to assert on. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

export async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}
