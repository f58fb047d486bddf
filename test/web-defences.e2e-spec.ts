import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { pushClient } from './support/push';
import { ensureWebBuilt, launchChromium } from './support/browser';
import { startTestServer, type TestServer } from './support/server';

/**
 * The staff UI's own defences in a real browser (Debian's Chromium): security headers on every kind
 * of answer, no CSP violation on the pages the app shows, no framing, and no link in a notification
 * that leads off this origin.
 */

/** Links a hostile pusher may put in `data.link`; every one of them leaves the origin (or runs script). */
const HOSTILE_LINKS = ['javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', '//evil.example/orders', '/\\evil.example/orders', '/\t/evil.example', 'https://other.example/'];

/** Runs in the page before its own scripts (a string: this project's type-check has no DOM library). */
const RECORD_VIOLATIONS = `window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));`;

describe('web UI defences', () => {
  let server: TestServer;
  let browser: Browser;
  let push: Awaited<ReturnType<typeof pushClient>>['push'];
  let daveId: string;
  const contexts: BrowserContext[] = [];
  /** Clean-ups of the test that just ran. */
  const afterThis: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    push = (await pushClient(server)).push;
    daveId = (await server.login('dave')).user.id;
    browser = await launchChromium();
  }, 120_000);

  afterEach(async () => {
    for (const cleanUp of afterThis.splice(0)) await cleanUp();
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });

  /** A page that records every CSP violation (the DOM event and Chromium's console report). */
  async function newPage(): Promise<{ page: Page; violations: () => Promise<string[]> }> {
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    await context.addInitScript(RECORD_VIOLATIONS);
    const page = await context.newPage();
    const console: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) console.push(m.text());
    });
    page.on('pageerror', (err) => console.push(`page error: ${err.message}`));
    const violations = async () => [...console, ...((await page.evaluate('window.cspViolations ?? []').catch(() => [])) as string[])];
    return { page, violations };
  }

  async function signIn(page: Page, username: string): Promise<void> {
    await page.goto(`${server.url}/`);
    await page.getByRole('button', { name: `Use ${username}` }).click();
    await page.getByTestId('current-user').waitFor();
    await page.locator('[data-testid="connection"][data-state="connected"]').waitFor();
  }

  it('sends the security headers on the page, its assets, API answers and /docs', async () => {
    const page = await fetch(`${server.url}/inbox`, { headers: { accept: 'text/html' } });
    const html = await page.text();
    const asset = html.match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
    expect(asset).toBeDefined();
    const answers = {
      page,
      asset: await fetch(`${server.url}${asset}`),
      apiJson: await fetch(`${server.url}/api/notifications`),
      apiNotFound: await fetch(`${server.url}/api/nope`),
      health: await fetch(`${server.url}/health/live`),
      docs: await fetch(`${server.url}/docs`, { headers: { accept: 'text/html' } }),
    };
    for (const [what, res] of Object.entries(answers)) {
      const csp = res.headers.get('content-security-policy') ?? '';
      expect({ what, frameAncestors: csp.includes("frame-ancestors 'none'"), xfo: res.headers.get('x-frame-options'), nosniff: res.headers.get('x-content-type-options'), referrer: res.headers.get('referrer-policy') }).toEqual({
        what,
        frameAncestors: true,
        xfo: 'DENY',
        nosniff: 'nosniff',
        referrer: 'same-origin',
      });
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).not.toContain('unsafe-eval');
      expect(res.headers.get('strict-transport-security')).toBeNull(); // HSTS belongs to whatever terminates TLS
    }
    // The app itself needs no inline style; only Swagger UI gets it.
    expect(answers.page.headers.get('content-security-policy')).toContain("style-src 'self';");
    expect(answers.page.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    expect(answers.page.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
  });

  it('shows the login page, the inbox and the other pages live without a CSP violation', async () => {
    const { page, violations } = await newPage();
    await page.goto(`${server.url}/`);
    await page.getByRole('heading', { name: 'Demo accounts' }).waitFor();
    expect(await violations()).toEqual([]);
    await signIn(page, 'dave'); // connected: the websocket passed connect-src 'self'
    for (const path of ['/inbox', '/orders', '/approvals']) {
      await page.goto(`${server.url}${path}`);
      await page.locator('[data-testid="connection"][data-state="connected"]').waitFor();
    }
    await page.goto(`${server.url}/inbox`);
    await page.getByTestId('inbox-list').waitFor({ state: 'attached' });
    const res = await push({ to: { userIds: [daveId] }, type: 'csp.check', title: 'CSP check' });
    expect(res.status).toBe(202);
    await page.getByTestId('toast').filter({ hasText: 'CSP check' }).waitFor();
    expect(await violations()).toEqual([]);
  }, 60_000);

  it('cannot be framed by another site', async () => {
    const { page } = await newPage();
    // Another origin on this machine: a second port is a second origin (a page the browser made up
    // itself would count as public, and Chromium keeps public pages from framing loopback at all).
    const framerServer = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<!doctype html><iframe src="${server.url}/login" width="600" height="400"></iframe>`);
    });
    await new Promise<void>((r) => framerServer.listen(0, '127.0.0.1', r));
    const framer = `http://127.0.0.1:${(framerServer.address() as AddressInfo).port}`;
    afterThis.push(() => new Promise<void>((r) => framerServer.close(() => r())));
    await page.goto(`${framer}/`, { waitUntil: 'load' }); // the iframe has loaded, or failed, by then
    const frame = page.frames().find((f) => f !== page.mainFrame());
    expect(frame).toBeDefined();
    // Chromium swaps a refused frame for its error page; a framable app would be at /login with #root.
    expect(frame!.url()).toMatch(/^chrome-error:/);
    expect(await frame!.content()).not.toContain('ERR_BLOCKED_BY_LOCAL_NETWORK'); // refused by Herald's headers, not by the browser's own rule
    expect(await frame!.locator('#root').count()).toBe(0);
  });

  it('shows a notification whose link leaves the origin without a link, and keeps a same-origin one', async () => {
    const { page, violations } = await newPage();
    await signIn(page, 'dave');
    await page.goto(`${server.url}/inbox`);
    await page.getByTestId('inbox-list').waitFor({ state: 'attached' });
    // A push committed before the socket is up is in the inbox, not a toast: wait for the live connection first.
    await page.locator('[data-testid="connection"][data-state="connected"]').waitFor();
    // Live: the toast of a hostile link is plain text.
    expect((await push({ to: { userIds: [daveId] }, type: 'hostile.live', title: 'Hostile live', data: { link: '/\\evil.example/toast' } })).status).toBe(202);
    const toast = page.getByTestId('toast').filter({ hasText: 'Hostile live' });
    await toast.waitFor();
    expect(await toast.locator('a').count()).toBe(0);

    for (const [i, link] of HOSTILE_LINKS.entries()) {
      expect((await push({ to: { userIds: [daveId] }, type: 'hostile.link', title: `Hostile ${i}`, data: { link } })).status).toBe(202);
    }
    expect((await push({ to: { userIds: [daveId] }, type: 'fine.link', title: 'Fine link', data: { link: `${server.url}/orders?status=paid` } })).status).toBe(202);
    await page.reload();
    const items = page.getByTestId('inbox-item');
    await items.filter({ hasText: 'Fine link' }).waitFor();
    await items.filter({ hasText: `Hostile ${HOSTILE_LINKS.length - 1}` }).waitFor();
    for (const i of HOSTILE_LINKS.keys()) {
      const item = items.filter({ hasText: `Hostile ${i}` });
      expect({ link: HOSTILE_LINKS[i], anchors: await item.locator('a').count() }).toEqual({ link: HOSTILE_LINKS[i], anchors: 0 });
    }
    expect(await items.filter({ hasText: 'Hostile live' }).locator('a').count()).toBe(0);
    // A same-origin absolute link is kept, as a path.
    expect(await items.filter({ hasText: 'Fine link' }).locator('a').getAttribute('href')).toBe('/orders?status=paid');
    expect(await violations()).toEqual([]);
  }, 60_000);

  it('keeps Swagger UI at /docs working under its own policy', async () => {
    const { page, violations } = await newPage();
    await page.goto(`${server.url}/docs`);
    await page.locator('.swagger-ui .opblock').first().waitFor({ timeout: 15_000 });
    expect(await page.locator('.swagger-ui .opblock').count()).toBeGreaterThan(10);
    expect(await violations()).toEqual([]);
  }, 30_000);
});
