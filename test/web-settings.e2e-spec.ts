import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { closeBrowser, devicePage, ensureWebBuilt, launchChromium, pickDemoUser } from './support/browser';
import { pushClient } from './support/push';
import { startTestServer, type TestServer } from './support/server';

const ARTIFACTS = join(resolve(__dirname, '..'), 'test-artifacts');

/** The settings page in Chromium: keyboard only, saved preferences take effect live (no toast for a muted type, critical still toasts). */
describe('settings page in a real browser', () => {
  let server: TestServer;
  let browser: Browser;
  let push: Awaited<ReturnType<typeof pushClient>>['push'];
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    ensureWebBuilt();
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startTestServer({ env: { PUSH_RATE_PER_SECOND: '1000' } });
    ({ push } = await pushClient(server));
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await closeBrowser(browser, contexts);
    await server?.stop();
  });

  async function signIn(username: string, locale: string, width: number): Promise<Page> {
    const page = await devicePage(browser, contexts, { locale, viewport: { width, height: 900 } });
    await pickDemoUser(page, server.url, username);
    await page.getByTestId('current-user').waitFor({ state: 'attached' });
    await page.locator('[data-testid="connection"][data-state="connected"]').waitFor();
    return page;
  }

  it('saves muted types and quiet hours from the keyboard at 1440 px; a muted push brings no toast, a critical one does', async () => {
    const page = await signIn('dave', 'en-US', 1440);
    const { body: daveLogin } = await server.request('POST', '/api/auth/login', { body: { username: 'dave', password: 'herald-demo' } });
    await page.getByTestId('settings-link').focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Notification settings' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/settings');
    await page.getByText('Your account has no email address yet').waitFor();

    const muted = page.getByLabel('Types to mute, one per line');
    await muted.focus();
    await page.keyboard.type('NOT A TYPE');
    await page.getByRole('button', { name: 'Save' }).focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('settings-notice').getByText('"NOT" is not a type').waitFor();

    await muted.fill('');
    await muted.focus();
    await page.keyboard.type('payment.*\norder.updated');
    await page.getByLabel('Hold emails during quiet hours').focus();
    await page.keyboard.press('Space');
    await page.getByLabel('Time zone').fill('Mars/Olympus');
    await page.getByRole('button', { name: 'Save' }).click();
    // The server's refusal, shown in the page.
    await page.getByTestId('settings-notice').locator('.notice-error').waitFor();
    await page.getByLabel('Time zone').fill('Asia/Shanghai');
    await page.getByRole('button', { name: 'Save' }).focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('settings-notice').getByText('Settings saved.').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'settings-1440.png') });

    const saved = await server.request('GET', '/api/me/preferences', { token: daveLogin.accessToken });
    expect(saved.body).toEqual({ muted: ['payment.*', 'order.updated'], fallback: { email: true }, quietHours: { start: '22:00', end: '08:00', timeZone: 'Asia/Shanghai' } });

    // Reloaded, the page shows what was saved.
    await page.reload();
    await expect(page.getByLabel('Types to mute, one per line').inputValue()).resolves.toBe('payment.*\norder.updated');
    await expect(page.getByLabel('Time zone').inputValue()).resolves.toBe('Asia/Shanghai');

    await push({ to: { userIds: [daveLogin.user.id] }, type: 'payment.received', title: 'Muted payment' });
    await push({ to: { userIds: [daveLogin.user.id] }, type: 'payment.failed', title: 'Critical payment', priority: 'critical' });
    await page.getByTestId('toast').filter({ hasText: 'Critical payment' }).waitFor();
    await expect(page.getByTestId('toast').filter({ hasText: 'Muted payment' }).count()).resolves.toBe(0);
    const inbox = await server.request('GET', '/api/notifications', { token: daveLogin.accessToken });
    const byTitle = Object.fromEntries((inbox.body.items as Array<{ title: string; readAt: string | null }>).map((n) => [n.title, n.readAt]));
    expect(byTitle['Muted payment']).not.toBeNull();
  });

  it('is usable in 简体中文 at 390 px, with no sideways scrolling', async () => {
    const admin = await server.login('admin');
    const erin = await server.login('erin');
    expect((await server.request('PATCH', `/api/users/${erin.user.id}`, { token: admin.accessToken, body: { email: 'erin@example.com' } })).status).toBe(200);
    const page = await signIn('erin', 'zh-CN', 390);
    await page.getByTestId('account-menu-toggle').click();
    await page.getByTestId('settings-link').click();
    await page.getByRole('heading', { name: '通知设置' }).waitFor();
    await page.getByText('邮件将发送到 erin@example.com。').waitFor();
    await page.getByLabel('免打扰时段内暂缓邮件').check();
    await page.getByLabel('时区').waitFor();
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.getByRole('button', { name: '保存' }).click();
    await page.getByTestId('settings-notice').getByText('设置已保存。').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'settings-390-zh.png'), fullPage: true });
  });
});
