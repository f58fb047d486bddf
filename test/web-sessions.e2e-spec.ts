import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { closeBrowser, ensureWebBuilt, launchChromium, watchedPage } from './support/browser';
import { startTestServer, type TestServer } from './support/server';

/** Long enough for a sign-out to have reached a page, had it been going to. */
const QUIET_MS = 1500;

/**
 * Sessions in a real browser (Debian's Chromium): a browser context is one device, its pages are
 * tabs. Every tab of a signed-in browser is signed in; "Sign out" ends this device only and its other
 * tabs follow at once, saying why; "Sign out everywhere" signs every device out, saying why.
 */
describe('web sessions: tabs and devices', () => {
  let server: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await closeBrowser(browser, contexts);
    await server?.stop();
  });

  /** A browser context of its own: one device. */
  async function device(locale = 'en-US', width = 1280): Promise<BrowserContext> {
    const context = await browser.newContext({ locale, viewport: { width, height: 800 } });
    contexts.push(context);
    return context;
  }

  async function tab(context: BrowserContext, path = '/', target: TestServer = server): Promise<Page> {
    const page = await watchedPage(context);
    await page.goto(`${target.url}${path}`);
    return page;
  }

  async function signIn(context: BrowserContext, username: string, target: TestServer = server): Promise<Page> {
    const page = await tab(context, '/', target);
    const zh = (await page.evaluate('document.documentElement.lang')) === 'zh-CN';
    await page.getByRole('button', { name: zh ? `使用 ${username}` : `Use ${username}` }).click();
    await signedIn(page);
    return page;
  }

  // Attached, not visible: on a phone the signed-in name sits behind the account menu.
  const signedIn = async (page: Page) => {
    await page.getByTestId('current-user').waitFor({ state: 'attached' });
    await page.locator('[data-testid="connection"][data-state="connected"]').waitFor();
  };
  const endedReason = async (page: Page) => {
    const notice = page.getByTestId('session-ended');
    await notice.waitFor({ timeout: 10_000 });
    return { reason: await notice.getAttribute('data-reason'), text: (await notice.textContent())?.trim() };
  };
  const onLoginPage = (page: Page) => page.locator('input[name="username"]').waitFor({ timeout: 10_000 });

  it('a second tab of the same browser — even one opened on a deep link — is signed in, and a reload keeps it', async () => {
    const a = await device();
    const first = await signIn(a, 'dave');
    const second = await tab(a, '/approvals');
    await signedIn(second);
    expect(await second.getByTestId('current-user').textContent()).toContain('Dave');
    expect(new URL(second.url()).pathname).toBe('/approvals');
    await first.reload();
    await signedIn(first);
    // A fresh browser (another device) is not.
    const other = await tab(await device());
    await onLoginPage(other);
  });

  it('"Sign out" ends this device only: its other tab follows at once and says why, the other device stays signed in', async () => {
    const a = await device();
    const b = await device();
    const a1 = await signIn(a, 'carol');
    const a2 = await tab(a, '/inbox');
    await signedIn(a2);
    const b1 = await signIn(b, 'carol');

    await a1.getByTestId('sign-out').click();
    await onLoginPage(a1);
    expect(await endedReason(a1)).toEqual({ reason: 'signed_out', text: 'You signed out.' });
    await onLoginPage(a2);
    expect(await endedReason(a2)).toEqual({ reason: 'other_tab', text: 'You signed out in another tab.' });

    await b1.waitForTimeout(QUIET_MS);
    expect(await b1.getByTestId('current-user').count()).toBe(1);
    expect(await b1.locator('[data-testid="connection"]').getAttribute('data-state')).toBe('connected');
    // Device B's session is really alive: a reload (a fresh refresh and GET /me) keeps it signed in.
    await b1.reload();
    await signedIn(b1);
    // And device A's tabs stay signed out after a reload: its tokens are gone.
    await a2.reload();
    await onLoginPage(a2);
  });

  it('"Sign out everywhere" signs the other device and the other tab out, each saying why (also in 简体中文)', async () => {
    const a = await device();
    const b = await device('zh-CN');
    const a1 = await signIn(a, 'bob');
    const a2 = await tab(a, '/inbox');
    await signedIn(a2);
    const b1 = await signIn(b, 'bob');

    await a1.getByTestId('sign-out-everywhere').click();
    await onLoginPage(a1);
    expect(await endedReason(a1)).toEqual({ reason: 'signed_out_everywhere', text: 'You signed out on all devices.' });
    expect(await endedReason(a2)).toEqual({ reason: 'everywhere', text: 'You were signed out on all devices.' });
    // Device B hears it from the server (session:closed session_revoked) and says it in its language.
    await onLoginPage(b1);
    expect(await endedReason(b1)).toEqual({ reason: 'everywhere', text: '你已在所有设备上被退出登录。' });
    await b1.reload();
    await onLoginPage(b1);
  });

  for (const [locale, width] of [['zh-CN', 390], ['en-US', 390], ['en-US', 1440]] as const) {
    it(`both sign-out buttons are reachable by keyboard and fit at ${width} px (${locale})`, async () => {
      const page = await signIn(await device(locale, width), 'admin');
      const labels = locale === 'zh-CN' ? ['退出登录', '在所有设备上退出'] : ['Sign out', 'Sign out everywhere'];
      const menu = page.getByTestId('account-menu-toggle');
      if (await menu.isVisible()) {
        await menu.focus();
        await page.keyboard.press('Enter');
      }
      for (const [i, id] of ['sign-out', 'sign-out-everywhere'].entries()) {
        const button = page.getByTestId(id);
        expect((await button.textContent())?.trim()).toBe(labels[i]);
        await button.focus();
        expect(await page.evaluate('document.activeElement.dataset.testid')).toBe(id);
        const box = (await button.boundingBox())!;
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(width);
      }
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
      await page.screenshot({ path: `/tmp/h4/header-${locale}-${width}.png` });
    });
  }

  it('signing in in one tab signs in the tabs of that browser showing the login page', async () => {
    const a = await device();
    const a1 = await tab(a);
    const a2 = await tab(a, '/inbox');
    await onLoginPage(a2);
    await a1.getByRole('button', { name: 'Use erin' }).click();
    await signedIn(a1);
    await signedIn(a2);
  });

  it('two tabs whose tokens are due at once refresh one at a time: the refresh token is never spent twice', async () => {
    // Access tokens of 8 s: the live connection renews them at half their life, every ~4 s, in both tabs at once.
    const short = await startTestServer({ env: { ACCESS_TOKEN_TTL: '8' } });
    try {
      const a = await device();
      const answers: number[] = [];
      const watch = (page: Page) =>
        page.on('response', (res) => {
          if (new URL(res.url()).pathname === '/api/auth/refresh') answers.push(res.status());
        });
      const a1 = await signIn(a, 'alice', short);
      watch(a1);
      const a2 = await tab(a, '/orders', short);
      watch(a2);
      await signedIn(a2);
      await a1.waitForTimeout(10_000); // two rounds of renewals
      expect(answers.length).toBeGreaterThan(0);
      expect(answers.filter((s) => s !== 200)).toEqual([]); // no 409 raced, no 401 revoked
      for (const page of [a1, a2]) {
        expect(await page.getByTestId('current-user').count()).toBe(1);
        expect(await page.locator('[data-testid="connection"]').getAttribute('data-state')).toBe('connected');
      }
      // Fewer refreshes than renewals: a tab that waited for the lock took the other's fresh token.
      expect(answers.length).toBeLessThanOrEqual(3);
    } finally {
      await short.stop();
    }
  }, 60_000);
});
