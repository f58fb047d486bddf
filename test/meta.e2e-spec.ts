import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser } from 'playwright-core';
import { ensureWebBuilt, launchChromium } from './support/browser';
import { startTestServer, type TestServer } from './support/server';

/**
 * GET /api/meta is public and tells whether this is a demo; the login page offers the demo accounts
 * only when it is (a production login page showed them, and clicking one said "Wrong username or password").
 */
const ROOT = resolve(__dirname, '..');

describe('GET /api/meta and the demo chips', () => {
  let demo: TestServer;
  let plain: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    ensureWebBuilt();
    demo = await startTestServer({ env: { DEMO_SEED: 'true' } });
    plain = await startTestServer({ env: { DEMO_SEED: 'false' } });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
    await plain?.stop();
  });

  it('answers {version, demo, locales} without credentials', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const on = await demo.request('GET', '/api/meta');
    expect(on.status).toBe(200);
    expect(on.body).toEqual({ version, demo: true, locales: ['en', 'zh-CN'] });
    const off = await plain.request('GET', '/api/meta');
    expect(off.status).toBe(200);
    expect(off.body).toEqual({ version, demo: false, locales: ['en', 'zh-CN'] });
  });

  it('shows the demo chips on a demo server only', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    try {
      const page = await context.newPage();
      await page.goto(`${demo.url}/`);
      await page.getByRole('button', { name: 'Use alice' }).waitFor();
      expect(await page.locator('.chip').count()).toBe(6);

      // Wait until the page has its answer from /api/meta, then for a render after it.
      const answered = page.waitForResponse((res) => res.url() === `${plain.url}/api/meta`);
      await page.goto(`${plain.url}/`);
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      expect((await answered).status()).toBe(200);
      await page.waitForTimeout(500);
      expect(await page.locator('.chip').count()).toBe(0);
      expect(await page.getByRole('heading', { name: /demo/i }).count()).toBe(0);
    } finally {
      await context.close();
    }
  }, 60_000);
});
