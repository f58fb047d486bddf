import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

const ROOT = resolve(__dirname, '..', '..');
const DIST = join(ROOT, 'apps/web/dist');
/** Debian's Chromium (never a downloaded one); CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Builds the UI when dist/ is missing or older than its sources (Vite runs in a child: it is ESM-only). */
export function ensureWebBuilt(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { webIsStale } = require('../../scripts/build-if-stale.js') as { webIsStale: () => boolean };
  if (!webIsStale() && existsSync(join(DIST, 'index.html'))) return;
  execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'apps/web/vite.config.ts', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
}

/** Headless Chromium with the flags this closed network needs (no background connections). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A new page in `context` that fails the test on an uncaught error in the page. */
export async function watchedPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (err) => {
    throw err;
  });
  return page;
}

/** A browser context of its own (one device), kept in `contexts` for closeBrowser, and a watched page in it. */
export async function devicePage(browser: Browser, contexts: BrowserContext[], options: { locale?: string; viewport?: { width: number; height: number } } = {}): Promise<Page> {
  const context = await browser.newContext({ locale: options.locale ?? 'en-US', viewport: options.viewport ?? { width: 1280, height: 800 } });
  contexts.push(context);
  return watchedPage(context);
}

/** Opens the login page at `url` and clicks the demo chip of `username` (in English or 简体中文). */
export async function pickDemoUser(page: Page, url: string, username: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.getByRole('button', { name: new RegExp(`^(Use|使用) ${username}$`) }).click();
}

/** Signs in through the login form, as a person would; resolves once the current user is shown (attached: a phone hides it in the account menu). */
export async function signInWithForm(page: Page, url: string, username: string, password: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('button[type="submit"]').click();
  await page.getByTestId('current-user').waitFor({ state: 'attached' });
}

/** Closes what a browser test opened: its contexts, then the browser. */
export async function closeBrowser(browser: Browser | undefined, contexts: BrowserContext[]): Promise<void> {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
}

/**
 * Waits until a page expression is true, polling with evaluate() (a DevTools call that the page's CSP does not
 * govern): page.waitForFunction compiles its string predicate inside the page, which a CSP without
 * 'unsafe-eval' refuses now and then.
 */
export async function waitForPage(page: Page, expression: string, what = expression, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await page.evaluate(expression).catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
