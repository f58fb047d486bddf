import { type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import type { ApprovalDto, OrderDto } from '@herald/contracts';
import { closeBrowser, devicePage, ensureWebBuilt, launchChromium, pickDemoUser } from './support/browser';
import { pushClient } from './support/push';
import { startTestServer, type TestServer } from './support/server';

/**
 * Long data must not break the staff UI for everyone (issue 9, point 5 and 9): a 200-character
 * customer, a 2,000-character note and a 150-character approval title, all without a single space
 * (the worst case: nothing to wrap at), at 390 and 1440 px. No page may scroll sideways; the
 * phone header stays one line; table rows become labelled cards on a phone.
 */
const SHOTS = process.env.HERALD_SHOTS ?? '/tmp/herald-layout';
const VIEWPORTS = [
  { width: 390, height: 844 },
  { width: 1440, height: 900 },
];
const LONG_CUSTOMER = `Customer${'W'.repeat(192)}`;
const LONG_NOTE = `Note${'n'.repeat(1996)}`;
const LONG_NAME = `Item${'M'.repeat(196)}`;
const LONG_TITLE = `Trip${'T'.repeat(146)}`;

/** Evaluates `expr` in the page with `el` the located element (a string: the tests' tsconfig has no DOM types). */
function onEl<R>(locator: Locator, expr: string): Promise<R> {
  return locator.evaluate(new Function('el', `return ${expr};`) as (el: unknown) => R);
}

describe('web UI layouts survive long data (390 and 1440 px)', () => {
  let server: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let order: OrderDto;
  let approval: ApprovalDto;

  beforeAll(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    const alice = await server.login('alice');
    const carol = await server.login('carol');
    const created = await server.request('POST', '/api/orders', {
      token: alice.accessToken,
      body: { customer: LONG_CUSTOMER, note: LONG_NOTE, items: [{ sku: `SKU-${'9'.repeat(60)}`, name: LONG_NAME, qty: 100000, unitPrice: '9999999.99' }] },
    });
    if (created.status !== 201) throw new Error(`order: ${created.status} ${JSON.stringify(created.body)}`);
    order = created.body as OrderDto;
    const submitted = await server.request('POST', '/api/approvals', {
      token: alice.accessToken,
      body: { kind: 'expense', title: LONG_TITLE, amount: '9999999999.99', details: LONG_NOTE, approverIds: [carol.user.id] },
    });
    if (submitted.status !== 201) throw new Error(`approval: ${submitted.status} ${JSON.stringify(submitted.body)}`);
    approval = submitted.body as ApprovalDto;
    // A pushed notification with the longest title and body the push API takes lands in alice's and carol's inboxes.
    const { push } = await pushClient(server);
    const pushed = await push({ to: { userIds: [alice.user.id, carol.user.id] }, type: 'system.notice', title: `Notice${'X'.repeat(194)}`, body: 'B'.repeat(2000) });
    expect(pushed.status).toBe(202);
  }, 120_000);

  afterAll(async () => {
    await closeBrowser(browser, contexts);
    await server?.stop();
  });

  async function signIn(username: string, viewport: { width: number; height: number }, locale = 'en-US'): Promise<Page> {
    const page = await devicePage(browser, contexts, { locale, viewport });
    await pickDemoUser(page, server.url, username);
    await page.getByTestId('connection').waitFor();
    await page.locator('[data-testid="connection"][data-state="connected"]').waitFor({ state: 'attached' });
    return page;
  }

  /** The page's content is no wider than its window: nothing scrolls sideways. */
  async function expectNoSidewaysScroll(page: Page, what: string): Promise<void> {
    const { scrollWidth, clientWidth } = await page.evaluate<{ scrollWidth: number; clientWidth: number }>(
      '({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth })',
    );
    if (scrollWidth > clientWidth) throw new Error(`${what}: the page is ${scrollWidth} px wide in a ${clientWidth} px window`);
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${name}.png` });

  for (const viewport of VIEWPORTS) {
    it(`alice's pages at ${viewport.width} px: orders, order, approvals, request, inbox, a toast`, async () => {
      const alice = await signIn('alice', viewport);
      const w = viewport.width;

      await alice.goto(`${server.url}/orders`);
      const row = alice.locator(`[data-testid="order-row"][data-order-id="${order.id}"]`);
      await row.waitFor();
      await expectNoSidewaysScroll(alice, `orders list at ${w}`);
      // Cut with an ellipsis, the full name on hover and for screen readers.
      const customer = row.locator(`[title="${LONG_CUSTOMER}"]`);
      expect(await customer.textContent()).toBe(LONG_CUSTOMER);
      expect(await onEl<boolean>(customer, 'el.scrollWidth > el.clientWidth')).toBe(true);
      await shot(alice, `orders-${w}`);

      await alice.goto(`${server.url}/orders/${order.id}`);
      await alice.getByTestId('order-note').waitFor();
      await expectNoSidewaysScroll(alice, `order detail at ${w}`);
      expect(await alice.getByTestId('order-note').textContent()).toBe(LONG_NOTE);
      await shot(alice, `order-${w}`);

      await alice.goto(`${server.url}/approvals`);
      await alice.locator(`[data-testid="approval-card"][data-approval-id="${approval.id}"]`).waitFor();
      await expectNoSidewaysScroll(alice, `approvals at ${w}`);
      const title = alice.locator(`[data-approval-id="${approval.id}"] h2`);
      expect(await title.getAttribute('title')).toBe(LONG_TITLE);
      // One line with an ellipsis; focused from the keyboard, the whole title (still within the page).
      const oneLine = await onEl<number>(title, 'el.getBoundingClientRect().height');
      await title.getByRole('link').focus();
      expect(await onEl<number>(title, 'el.getBoundingClientRect().height')).toBeGreaterThan(oneLine * 1.5);
      await expectNoSidewaysScroll(alice, `approvals with the title focused at ${w}`);
      await title.getByRole('link').blur();
      await shot(alice, `approvals-${w}`);

      await alice.goto(`${server.url}/approvals/${approval.id}`);
      await alice.getByTestId('approval-detail').waitFor();
      await expectNoSidewaysScroll(alice, `request detail at ${w}`);
      await shot(alice, `approval-${w}`);

      await alice.goto(`${server.url}/inbox`);
      await alice.getByTestId('inbox-item').filter({ hasText: 'NoticeXXXX' }).waitFor();
      await expectNoSidewaysScroll(alice, `inbox at ${w}`);
      await shot(alice, `inbox-${w}`);

      // A live toast with a long title and body.
      await alice.locator('[data-testid="connection"][data-state="connected"]').waitFor({ state: 'attached' });
      const { push } = await pushClient(server, `layout-${w}`);
      const me = (await server.login('alice')).user.id;
      expect((await push({ to: { userIds: [me] }, type: 'system.notice', title: `Toast${'Y'.repeat(195)}`, body: 'Z'.repeat(2000) })).status).toBe(202);
      const toast = alice.getByTestId('toast').filter({ hasText: 'ToastYYY' });
      await toast.waitFor();
      await expectNoSidewaysScroll(alice, `toast at ${w}`);
      const box = await toast.boundingBox();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(w);
      expect(box!.height).toBeLessThan(200); // title on one line, body clamped to two
      await shot(alice, `toast-${w}`);
    }, 90_000);

    it(`carol's to-do and the header at ${viewport.width} px`, async () => {
      const carol = await signIn('carol', viewport, 'zh-CN');
      await carol.goto(`${server.url}/approvals?box=todo`);
      await carol.locator(`[data-testid="approval-card"][data-approval-id="${approval.id}"]`).waitFor();
      await expectNoSidewaysScroll(carol, `to-do at ${viewport.width}`);
      await shot(carol, `todo-zh-${viewport.width}`);
      const header = await carol.locator('header.top').boundingBox();
      if (viewport.width === 390) expect(header!.height).toBeLessThanOrEqual(64);
      else expect(header!.height).toBeLessThanOrEqual(64); // one line on a desktop too
    }, 60_000);
  }

  it('the phone header: one line of at most 64 px; account and language behind a keyboard-usable menu', async () => {
    const page = await signIn('alice', { width: 390, height: 844 });
    await page.goto(`${server.url}/orders`);
    await page.getByTestId('orders-table').waitFor();
    const height = await onEl<number>(page.locator('header.top'), 'el.getBoundingClientRect().height');
    expect(height).toBeLessThanOrEqual(64);
    // Closed, the account panel takes no room (it stays in the tab order: focus inside opens it).
    const panelWidth = () => onEl<number>(page.locator('#account-menu'), 'el.getBoundingClientRect().width');
    expect(await panelWidth()).toBeLessThanOrEqual(1);
    await page.getByTestId('account-menu-toggle').focus();
    await page.keyboard.press('Enter');
    expect(await page.getByTestId('account-menu-toggle').getAttribute('aria-expanded')).toBe('true');
    expect(await panelWidth()).toBeGreaterThan(100);
    const signOut = await page.getByTestId('sign-out').boundingBox();
    expect(signOut!.x + signOut!.width).toBeLessThanOrEqual(390);
    await expectNoSidewaysScroll(page, 'open account menu at 390');
    await shot(page, 'header-menu-390');
    await page.keyboard.press('Escape');
    expect(await page.getByTestId('account-menu-toggle').getAttribute('aria-expanded')).toBe('false');
    expect(await page.evaluate('document.activeElement.id')).toBe('account-menu-toggle');
    expect(await panelWidth()).toBeLessThanOrEqual(1);
    // Tabbing on from the toggle walks into the panel, which opens where focus is.
    await page.keyboard.press('Tab');
    expect(await panelWidth()).toBeGreaterThan(100);

    // Each cell of an order card says what it is.
    const label = await onEl<string>(page.locator(`[data-testid="order-row"][data-order-id="${order.id}"] td.clip-cell`), 'getComputedStyle(el, "::before").content');
    expect(label).toBe('"Customer"');
  }, 60_000);

  it('the demo password on the login page never breaks at its hyphen', async () => {
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 320, height: 700 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    const password = page.locator('.demo code', { hasText: 'herald-demo' });
    await password.waitFor();
    expect(await onEl<number>(password, 'el.getClientRects().length')).toBe(1);
    expect(await onEl<string>(password, 'getComputedStyle(el).whiteSpace')).toBe('nowrap');
    await shot(page, 'login-320');
  }, 30_000);
});
