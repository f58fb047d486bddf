import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { ApprovalDto, OrderDto } from '@herald/contracts';
import { closeBrowser, devicePage, ensureWebBuilt, launchChromium, pickDemoUser, waitForPage } from './support/browser';
import { startTestServer, type TestServer } from './support/server';

/**
 * The staff UI in a real browser (Debian's Chromium) against a real Herald: several users in
 * separate browser contexts, events made in one appear live in the others, and a server restart
 * while a page is open loses nothing.
 */
const ROOT = resolve(__dirname, '..');
const ARTIFACTS = join(ROOT, 'test-artifacts');
/** Long enough for a stray event to have arrived if it was going to. */
const QUIET_MS = 1500;

describe('staff web UI in a real browser', () => {
  let server: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    ensureWebBuilt();
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startTestServer();
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await closeBrowser(browser, contexts);
    await server?.stop();
    await server?.db.drop().catch(() => undefined); // restarted instances share, and do not own, the database
  });

  /** Signs a demo user in through the login page, in a browser context of their own. */
  async function signIn(username: string, locale = 'en-US'): Promise<Page> {
    const page = await devicePage(browser, contexts, { locale });
    await pickDemoUser(page, server.url, username);
    await page.getByTestId('current-user').waitFor();
    await page.locator('[data-testid="connection"][data-state="connected"]').waitFor();
    return page;
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false });

  it('serves the UI at / and on client routes, and keeps API 404s as JSON', async () => {
    const home = await fetch(`${server.url}/orders/123`, { headers: { accept: 'text/html' } });
    expect(home.status).toBe(200);
    expect(home.headers.get('cache-control')).toBe('no-cache');
    const html = await home.text();
    expect(html).toContain('<div id="root">');
    const asset = html.match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
    const script = await fetch(`${server.url}${asset}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('cache-control')).toContain('immutable'); // hashed names: cached for good
    expect((await fetch(`${server.url}/docs`, { headers: { accept: 'text/html' } })).headers.get('content-type')).toContain('text/html');
    expect(await (await fetch(`${server.url}/docs`, { headers: { accept: 'text/html' } })).text()).toContain('swagger');
    const api = await server.request('GET', '/api/nope', { headers: { accept: 'text/html' } });
    expect(api.status).toBe(404);
    expect(api.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });

  it('can be used from the keyboard alone: sign in, skip to content, move between pages', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    await waitForPage(page, 'document.activeElement && document.activeElement.name === "username"'); // focused on arrival
    await page.getByRole('heading', { name: 'Demo accounts' }).waitFor();
    await shot(page, 'login');
    await page.keyboard.type('erin');
    await page.keyboard.press('Tab');
    await page.keyboard.type('herald-demo');
    await page.keyboard.press('Enter');
    await page.getByTestId('current-user').waitFor();
    // After a page change the focus is on the main content, where keyboard and screen reader users expect it.
    await waitForPage(page, 'document.activeElement && document.activeElement.id === "main"');
    await page.reload();
    await page.getByTestId('current-user').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
    for (const name of ['Orders', 'Approvals', 'Inbox']) {
      await page.keyboard.press('Tab');
      expect(await page.evaluate('document.activeElement.textContent')).toMatch(new RegExp(`^${name}`)); // plus the badge, if any
    }
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/inbox$/);
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    await shot(page, 'login-keyboard-inbox');
  }, 60_000);

  it('alice creates an order, erin marks it paid, bob sees it live and dave sees nothing', async () => {
    const [alice, bob, dave] = [await signIn('alice'), await signIn('bob'), await signIn('dave')];
    await bob.getByTestId('orders-table').waitFor();
    await dave.getByTestId('inbox-list').waitFor({ state: 'attached' });

    await alice.getByRole('link', { name: 'New order' }).click();
    await alice.getByLabel('Customer').fill('Shanghai Tea House');
    await alice.getByLabel('SKU').fill('TEA-01');
    await alice.getByLabel('Name', { exact: true }).fill('Longjing 250 g');
    await alice.getByLabel('Qty').fill('3');
    await alice.getByLabel('Unit price').fill('19.90');
    await expect(alice.locator('.total strong').textContent()).resolves.toBe('59.70');
    await alice.getByRole('button', { name: 'Create order' }).click();
    await alice.waitForURL(/\/orders\/\d+$/);
    const orderId = alice.url().split('/').pop()!;
    const number = (await alice.locator('h1').textContent())!;
    expect(number).toMatch(/^SO-\d{4}-\d+$/);
    // While it is still "created", its owner can edit it.
    await alice.getByRole('link', { name: 'Edit' }).click();
    await alice.getByLabel('Qty').fill('4');
    await alice.getByRole('button', { name: 'Save' }).click();
    await alice.waitForURL(new RegExp(`/orders/${orderId}$`));
    await alice.getByText('79.60').first().waitFor();

    // bob (warehouse) sees the new order appear in his list without reloading.
    const bobRow = bob.locator(`[data-testid="order-row"][data-order-id="${orderId}"]`);
    await bobRow.getByTestId('order-status').filter({ hasText: 'Created' }).waitFor();
    await bobRow.getByText('79.60').waitFor(); // the edit, live too

    const erin = await server.login('erin');
    const order = (await server.request('GET', `/api/orders/${orderId}`, { token: erin.accessToken })).body as OrderDto;
    const paid = await server.request('POST', `/api/orders/${orderId}/transition`, { token: erin.accessToken, body: { to: 'paid', version: order.version } });
    expect(paid.status).toBe(200);

    await bob.getByTestId('toast').filter({ hasText: `Order ${number} paid` }).waitFor();
    await bobRow.getByTestId('order-status').filter({ hasText: 'Paid' }).waitFor();
    // The row now offers the warehouse's next step, with the fresh version: shipping works at once.
    await bobRow.getByRole('button', { name: 'Ship' }).waitFor();
    await shot(bob, 'orders');

    await alice.getByTestId('order-status').filter({ hasText: 'Paid' }).waitFor();

    await dave.waitForTimeout(QUIET_MS);
    expect(await dave.getByTestId('toast').count()).toBe(0);
    expect(await dave.getByTestId('inbox-item').count()).toBe(0);
    expect(await dave.getByTestId('unread-badge').count()).toBe(0);
    expect(await dave.getByText(number).count()).toBe(0);
    expect(await dave.getByRole('link', { name: 'Orders' }).count()).toBe(0);

    // bob ships it from the UI; a stale second click elsewhere gets a clear conflict message.
    await bobRow.getByRole('button', { name: 'Ship' }).click();
    await bobRow.getByTestId('order-status').filter({ hasText: 'Shipped' }).waitFor();
  }, 120_000);

  it('an action on an order someone else changed first gets a clear 409 message and the current state', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    contexts.push(context);
    const alice = await context.newPage();
    // No live updates for this page: it keeps showing the order as it was, like a page that lags behind.
    await alice.route('**/socket.io/**', (route) => route.abort());
    await alice.goto(`${server.url}/`);
    await alice.getByRole('button', { name: 'Use alice' }).click();
    await alice.getByTestId('orders-table').waitFor();
    await alice.locator('[data-testid="connection"]').filter({ hasText: 'Connecting…' }).waitFor();

    const { accessToken } = await server.login('alice');
    const created = await server.request('POST', '/api/orders', { token: accessToken, body: { customer: 'Stale Ltd.', items: [{ sku: 'S-1', name: 'Thing', qty: 1, unitPrice: '3.00' }] } });
    await alice.reload();
    const row = alice.locator(`[data-testid="order-row"][data-order-id="${created.body.id}"]`);
    await row.getByTestId('order-status').filter({ hasText: 'Created' }).waitFor();
    const erin = await server.login('erin');
    expect((await server.request('POST', `/api/orders/${created.body.id}/transition`, { token: erin.accessToken, body: { to: 'paid', version: created.body.version } })).status).toBe(200);

    await row.getByRole('button', { name: 'Cancel order' }).click();
    await alice.getByTestId('order-message').filter({ hasText: `${created.body.number}: Someone changed this order first; it is now “Paid”` }).waitFor();
    await row.getByTestId('order-status').filter({ hasText: 'Paid' }).waitFor();
  }, 60_000);

  it('dave submits an approval, carol approves it from "to do", dave sees it live', async () => {
    const dave = await signIn('dave');
    const carol = await signIn('carol', 'zh-CN');
    const carolUser = (await server.login('carol')).user;
    await carol.getByRole('link', { name: '审批' }).click();
    await carol.getByRole('link', { name: '待我审批' }).click();
    await carol.getByText('没有等待您审批的申请。').waitFor();

    await dave.getByRole('link', { name: 'Approvals' }).click();
    await dave.getByRole('button', { name: 'New request' }).click();
    const form = dave.getByTestId('approval-form');
    await form.getByLabel('Kind').selectOption('purchase');
    await form.getByLabel('Title').fill('Two monitors for the front desk');
    await form.getByLabel('Amount').fill('2400.00');
    const checkbox = form.getByRole('checkbox', { name: /carol/i });
    if (await checkbox.count()) await checkbox.check();
    else await form.getByLabel(/Approver user ids/).fill(carolUser.id);
    await form.getByRole('button', { name: 'Submit request' }).click();
    const daveCard = dave.getByTestId('approval-card').filter({ hasText: 'Two monitors for the front desk' });
    await daveCard.getByTestId('approval-status').filter({ hasText: 'Pending' }).waitFor();

    // carol's "to do" fills in live, in Chinese (her browser's language).
    const carolCard = carol.getByTestId('approval-card').filter({ hasText: 'Two monitors for the front desk' });
    await carolCard.waitFor();
    await carol.getByTestId('toast').filter({ hasText: '待审批：Two monitors for the front desk' }).waitFor();
    await shot(carol, 'approvals-todo-zh');
    await carolCard.getByLabel('意见（可选）').fill('OK, within budget');
    await carolCard.getByRole('button', { name: /同意/ }).click();
    await carolCard.waitFor({ state: 'detached' });

    await daveCard.getByTestId('approval-status').filter({ hasText: 'Approved' }).waitFor();
    await daveCard.getByText('OK, within budget').waitFor();
    await dave.getByTestId('toast').filter({ hasText: 'Approved: Two monitors for the front desk' }).waitFor();
    await shot(dave, 'approvals-mine');
    // The toast links to the request itself.
    await dave.getByTestId('toast').getByRole('link', { name: 'Approved: Two monitors for the front desk' }).click();
    await dave.waitForURL(/\/approvals\/\d+$/);
    await dave.getByTestId('approval-detail').getByTestId('approval-status').filter({ hasText: 'Approved' }).waitFor();
    await shot(dave, 'approval-detail');

    // An admin decides a request carol is looking at: her page says so instead of silently dropping it.
    const second = await server.request('POST', '/api/approvals', {
      token: (await server.login('dave')).accessToken,
      body: { kind: 'leave', title: 'Friday off', approverIds: [carolUser.id] },
    });
    expect(second.status).toBe(201);
    const secondCard = carol.getByTestId('approval-card').filter({ hasText: 'Friday off' });
    await secondCard.waitFor();
    const admin = await server.login('admin');
    const decided = await server.request('POST', `/api/approvals/${second.body.id}/decision`, { token: admin.accessToken, body: { decision: 'reject', comment: 'Inventory week', version: (second.body as ApprovalDto).version } });
    expect(decided.status).toBe(200);
    await carol.getByTestId('decided-elsewhere').filter({ hasText: 'Friday off' }).filter({ hasText: '已驳回' }).filter({ hasText: admin.user.displayName }).waitFor();
    await secondCard.waitFor({ state: 'detached' });
  }, 120_000);

  it('a burst of 200 new orders is coalesced into one toast and never freezes the page', async () => {
    const bob = await signIn('bob');
    await bob.getByTestId('orders-table').waitFor();
    // Longest gap between two animation frames while the burst arrives: a frozen page would show it.
    // (A string, as it runs in the page: the test's tsconfig has no DOM types.)
    await bob.evaluate(`(() => {
      window.maxFrameGap = 0;
      let last = performance.now();
      const tick = (now) => { window.maxFrameGap = Math.max(window.maxFrameGap, now - last); last = now; requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
    })()`);
    const { accessToken } = await server.login('alice');
    const item = { sku: 'B-1', name: 'Burst item', qty: 1, unitPrice: '1.00' };
    for (let i = 0; i < 200; i += 25) {
      const batch = Array.from({ length: 25 }, (_, j) => server.request('POST', '/api/orders', { token: accessToken, body: { customer: `Burst ${i + j}`, items: [item] } }));
      for (const res of await Promise.all(batch)) expect(res.status).toBe(201);
    }
    await bob.getByTestId('toast').filter({ hasText: '200 new orders' }).waitFor();
    expect(await bob.getByTestId('toast').count()).toBeLessThanOrEqual(4);
    // The list caught up with one page reload rather than 200 requests: the newest order is on top.
    const newest = (await server.request('GET', '/api/orders?limit=1', { token: accessToken })).body.items[0] as OrderDto;
    await bob.locator(`[data-testid="order-row"]:first-child[data-order-id="${newest.id}"]`).waitFor();
    const gap = await bob.evaluate<number>('window.maxFrameGap');
    expect(gap).toBeLessThan(1000);
  }, 120_000);

  it('a server restart while the page is open: the event committed meanwhile arrives, counted as missed', async () => {
    const alice = await signIn('alice');
    await alice.getByRole('link', { name: /Inbox/ }).click();
    await alice.getByTestId('inbox-item').first().waitFor(); // her earlier orders' notifications
    const before = await alice.getByTestId('inbox-item').count();

    const port = server.port;
    const db = server.db;
    // Keep the page from reconnecting until the event is committed, so it truly is "missed".
    await alice.context().setOffline(true);
    await server.stop({ keepDatabase: true });
    await alice.locator('[data-testid="connection"]:not([data-state="connected"])').waitFor();
    await shot(alice, 'reconnecting');
    server = await startTestServer({ db, env: { PORT: String(port) } });

    const erin = await server.login('erin');
    const alicesOrder = await server.request('POST', '/api/orders', {
      token: (await server.login('alice')).accessToken,
      body: { customer: 'Offline Co.', items: [{ sku: 'X-1', name: 'Pencil', qty: 1, unitPrice: '1.00' }] },
    });
    expect(alicesOrder.status).toBe(201);
    const paid = await server.request('POST', `/api/orders/${alicesOrder.body.id}/transition`, { token: erin.accessToken, body: { to: 'paid', version: alicesOrder.body.version } });
    expect(paid.status).toBe(200);

    // The dispatcher writes notifications just after the commit: wait for them, so both are truly missed.
    const aliceToken = (await server.login('alice')).accessToken;
    const hasPaid = async () => ((await server.request('GET', '/api/notifications?limit=5', { token: aliceToken })).body.items as { type: string; data: { orderId?: string } }[]).some((n) => n.type === 'order.paid' && n.data.orderId === alicesOrder.body.id);
    for (const end = Date.now() + 10_000; !(await hasPaid()); ) {
      if (Date.now() > end) throw new Error('the order.paid notification was never written');
      await new Promise((r) => setTimeout(r, 50));
    }
    await alice.context().setOffline(false);
    await alice.locator('[data-testid="connection"][data-state="connected"]').waitFor({ timeout: 30_000 });
    await alice.getByTestId('missed-banner').filter({ hasText: '2 missed notifications arrived' }).waitFor();
    await alice.getByTestId('inbox-item').filter({ hasText: `Order ${alicesOrder.body.number} paid` }).waitFor();
    expect(await alice.getByTestId('inbox-item').count()).toBe(before + 2);
    // Replayed notifications are counted in the banner, not thrown at the user as toasts.
    expect(await alice.getByTestId('toast').filter({ hasText: alicesOrder.body.number }).count()).toBe(0);
    const unread = (await server.request('GET', '/api/notifications/unread-count', { token: aliceToken })).body.count;
    await alice.getByTestId('unread-badge').filter({ hasText: String(unread) }).waitFor();
    await shot(alice, 'inbox');
    // Still right after a reload (the session survives it through the tokens the browser keeps in IndexedDB).
    await alice.reload();
    await alice.getByTestId('unread-badge').filter({ hasText: String(unread) }).waitFor();
    expect(await alice.getByTestId('missed-banner').count()).toBe(0);

    // The inbox loads older pages as it is scrolled (she has 200+ notifications from the burst).
    await alice.evaluate('window.scrollTo(0, document.body.scrollHeight)');
    await alice.getByTestId('inbox-item').nth(before + 2).waitFor();
    await alice.getByTestId('mark-all-read').click();
    await alice.getByTestId('unread-badge').waitFor({ state: 'detached' });
    // The badge may clear first (the `unread` socket event can beat the HTTP answer); the list follows.
    await waitForPage(alice, 'document.querySelectorAll(\'[data-testid="inbox-item"][data-unread="true"]\').length === 0', undefined, 10_000);
    expect(await alice.locator('[data-testid="inbox-item"][data-unread="true"]').count()).toBe(0);
  }, 120_000);
});
