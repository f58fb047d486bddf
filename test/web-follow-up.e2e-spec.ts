import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { LoginResponse, Notification } from '@herald/contracts';
import { closeBrowser, devicePage, ensureWebBuilt, launchChromium, pickDemoUser } from './support/browser';
import { pushClient } from './support/push';
import { startTestServer, type TestServer } from './support/server';

/**
 * Issue 12, point 5 in a real browser: the sender of a notification watches "read by N of M" rise live with the
 * readers and not-yet-readers listed, recalls it and sees it vanish from a recipient's open inbox; a recipient
 * archives from the inbox and finds it in the Archived view.
 */
const SHOTS = process.env.HERALD_SHOTS ?? '/tmp/herald-follow-up';

describe('receipts, recall and archive in the web UI', () => {
  let server: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const users: Record<string, LoginResponse> = {};

  beforeAll(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    for (const name of ['admin', 'alice', 'bob', 'carol']) users[name] = await server.login(name);
  }, 120_000);

  afterAll(async () => {
    await closeBrowser(browser, contexts);
    await server?.stop();
  });

  async function openTab(username: string, path: string, locale = 'en-US', viewport = { width: 1440, height: 900 }): Promise<Page> {
    const page = await devicePage(browser, contexts, { locale, viewport });
    await pickDemoUser(page, server.url, username);
    await page.locator('[data-testid="connection"][data-state="connected"]').waitFor({ state: 'attached' });
    await page.goto(`${server.url}${path}`);
    await page.locator('[data-testid="connection"][data-state="connected"]').waitFor({ state: 'attached' });
    return page;
  }

  it('the sender sees "read by" rise live and recalls; the recipient’s card vanishes', async () => {
    const created = await server.request('POST', '/api/orders', {
      token: users.alice.accessToken,
      body: { customer: 'Browser Receipts Ltd', items: [{ sku: 'B-1', name: 'Widget', qty: 2, unitPrice: '3.00' }] },
    });
    expect(created.status).toBe(201);
    let id = '';
    for (let i = 0; i < 100 && !id; i++) {
      const inbox = (await server.request('GET', '/api/notifications?limit=5', { token: users.alice.accessToken })).body as { items: Notification[] };
      id = inbox.items.find((n) => n.type === 'order.created')?.id ?? '';
      if (!id) await new Promise((r) => setTimeout(r, 50));
    }
    const bob = await openTab('bob', '/inbox');
    await bob.locator(`[data-testid="inbox-item"][data-id="${id}"]`).waitFor();
    // bob may not follow it up: no receipts or recall on his card.
    expect(await bob.locator(`[data-testid="inbox-item"][data-id="${id}"] [data-testid="recall-button"]`).count()).toBe(0);

    const alice = await openTab('alice', '/inbox', 'zh-CN', { width: 390, height: 844 });
    const card = alice.locator(`[data-testid="inbox-item"][data-id="${id}"]`);
    await card.getByTestId('receipts-button').click();
    const summary = card.getByTestId('receipts-summary');
    await summary.waitFor();
    const total = Number(/(\d+) 人中/.exec((await summary.textContent()) ?? '')?.[1]);
    expect(total).toBeGreaterThanOrEqual(2);
    expect(await summary.textContent()).toContain(`${total} 人中 0 人已读`);
    expect(await card.getByTestId('receipts-waiting').textContent()).toContain(users.bob.user.displayName);

    await server.request('POST', '/api/notifications/read', { token: users.bob.accessToken, body: { ids: [id] } });
    await card.getByTestId('receipts-summary').filter({ hasText: `${total} 人中 1 人已读` }).waitFor({ timeout: 10_000 });
    await card.getByTestId('receipts-readers').filter({ hasText: users.bob.user.displayName }).waitFor();
    // At 390 px the panel fits the width: nothing scrolls sideways.
    expect(await alice.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await alice.screenshot({ path: `${SHOTS}/receipts-390-zh.png`, fullPage: true });

    await card.getByTestId('recall-button').click();
    await card.getByTestId('recall-confirm').click();
    await card.waitFor({ state: 'detached' });
    await bob.locator(`[data-testid="inbox-item"][data-id="${id}"]`).waitFor({ state: 'detached', timeout: 10_000 });
  }, 90_000);

  it('updated cards change in place: an edited push, and a manager’s pending card once an admin decided it', async () => {
    const { key, push } = await pushClient(server, 'web-edit');
    const res = await push({ to: { userIds: [users.carol.user.id] }, type: 'invoice.issued', title: 'Invoice for 100.00' });
    const id = res.body.ids[0] as string;
    const carol = await openTab('carol', '/inbox');
    const card = carol.locator(`[data-testid="inbox-item"][data-id="${id}"]`);
    await card.filter({ hasText: 'Invoice for 100.00' }).waitFor();
    await server.request('PATCH', `/api/push/${id}`, { headers: { 'x-api-key': key }, body: { title: 'Invoice for 120.00' } });
    await card.filter({ hasText: 'Invoice for 120.00' }).waitFor({ timeout: 10_000 });
    await card.getByTestId('inbox-updated').waitFor();

    const created = await server.request('POST', '/api/approvals', {
      token: users.alice.accessToken,
      body: { kind: 'expense', title: 'Browser laptop', amount: '900.00', approverIds: [users.carol.user.id] },
    });
    const pending = carol.locator('[data-testid="inbox-item"]').filter({ hasText: 'Approval requested: Browser laptop' });
    await pending.waitFor({ timeout: 10_000 });
    await server.request('POST', `/api/approvals/${created.body.id}/decision`, { token: users.admin.accessToken, body: { decision: 'approve', version: created.body.version } });
    await carol.locator('[data-testid="inbox-item"]').filter({ hasText: `Approved by ${users.admin.user.displayName}: Browser laptop` }).waitFor({ timeout: 10_000 });
    expect(await pending.count()).toBe(0);
  }, 90_000);

  it('archive from the inbox; the Archived view has it, and moving it back returns it', async () => {
    const { push } = await pushClient(server, 'web-archive');
    const res = await push({ to: { userIds: [users.bob.user.id] }, type: 'stock.low', title: 'Archive me please' });
    const id = res.body.ids[0] as string;
    const bob = await openTab('bob', '/inbox');
    const card = bob.locator(`[data-testid="inbox-item"][data-id="${id}"]`);
    await card.getByTestId('archive-button').focus();
    await bob.keyboard.press('Enter');
    await card.waitFor({ state: 'detached' });
    await bob.getByTestId('archived-view').click();
    const archived = bob.locator(`[data-testid="inbox-item"][data-id="${id}"]`);
    await archived.waitFor();
    await archived.getByTestId('archive-button').click();
    await archived.waitFor({ state: 'detached' });
    const list = (await server.request('GET', '/api/notifications?limit=5', { token: users.bob.accessToken })).body as { items: Notification[] };
    expect(list.items.map((n) => n.id)).toContain(id);
  }, 90_000);
});
