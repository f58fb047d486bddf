import { type Browser, type Page } from 'playwright-core';
import { APPROVAL_LIMITS, ORDER_LIMITS } from '@herald/contracts';
import { ensureWebBuilt, launchChromium } from './support/browser';
import { startTestServer, type TestServer } from './support/server';

/**
 * Issue 9, point 6 in a real browser (Debian's Chromium), in 简体中文: a server-side 400 is shown as a
 * Chinese sentence built from its {field, rule}; a value over the shared limit is refused before
 * anything is sent, and a long paste is not cut silently; the network error is translated too.
 */
describe('web: errors people can act on, in their language', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  /** POST /api/orders requests the page sent, with their answers' statuses. */
  const posts: number[] = [];
  const approvalPosts: number[] = [];

  beforeAll(async () => {
    ensureWebBuilt();
    server = await startTestServer();
    browser = await launchChromium();
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 } });
    page = await context.newPage();
    page.on('pageerror', (err) => {
      throw err;
    });
    page.on('response', (res) => {
      if (res.request().method() === 'POST' && new URL(res.url()).pathname === '/api/orders') posts.push(res.status());
      if (res.request().method() === 'POST' && new URL(res.url()).pathname === '/api/approvals') approvalPosts.push(res.status());
    });
    await page.goto(`${server.url}/`);
    await page.getByRole('button', { name: '使用 alice' }).click();
    await page.getByTestId('current-user').waitFor({ state: 'attached' }); // hidden in the compact 390 px header
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function openNewOrder(): Promise<void> {
    if (!new URL(page.url()).pathname.endsWith('/orders')) await page.getByRole('link', { name: '← 全部订单' }).click();
    await page.getByRole('link', { name: '新建订单' }).first().click();
    await page.getByTestId('order-form').waitFor();
  }

  const form = () => page.getByTestId('order-form');
  const alert = () => form().locator('p.error[role="alert"]');

  it('a server-side 400 (line total too large) is a Chinese sentence naming the item, from {field, rule}', async () => {
    await openNewOrder();
    await page.locator('input[name="customer"]').fill('ACME 有限公司');
    await page.locator('input[name="sku-0"]').fill('SKU-1');
    await page.locator('input[name="name-0"]').fill('服务器');
    await page.locator('input[name="qty-0"]').fill(String(ORDER_LIMITS.qtyMax));
    await page.locator('input[name="price-0"]').fill('999999999999.99');
    const answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/orders' && r.request().method() === 'POST');
    await page.getByRole('button', { name: '创建订单' }).click();
    const res = await answer;
    expect(res.status()).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'validation_failed', field: 'items.0', rule: 'maxAmount' });
    await expect(alert().textContent()).resolves.toBe('第 1 项的金额超出可存储的上限');
  });

  it('an over-limit customer is refused before sending, with the same sentence the server would give; a paste is not cut', async () => {
    const before = posts.length;
    const long = '客'.repeat(ORDER_LIMITS.customerMaxLength + 1);
    const customer = page.locator('input[name="customer"]');
    await customer.fill(long); // what a paste does: no maxLength attribute cuts it
    expect(await customer.inputValue()).toHaveLength(ORDER_LIMITS.customerMaxLength + 1);
    await expect(customer.getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.getByTestId('too-long').textContent()).resolves.toBe('内容过长：201 个字符，上限为 200。内容未被截断，请删减后再提交。');
    await page.locator('input[name="qty-0"]').fill('1');
    await page.getByRole('button', { name: '创建订单' }).click();
    await expect(alert().textContent()).resolves.toBe('客户名称最多 200 个字符');
    expect(posts.length).toBe(before); // refused in the browser: nothing was sent

    // One character less fits: the notice goes and the order is created.
    await customer.fill(long.slice(1));
    await expect(page.getByTestId('too-long').count()).resolves.toBe(0);
    await page.getByRole('button', { name: '创建订单' }).click();
    await page.waitForURL(/\/orders\/\d+$/);
    expect(posts.slice(before)).toEqual([201]);
  });

  it('a quantity over 1,000,000 is refused in the browser in Chinese; the network error is translated', async () => {
    await openNewOrder();
    await page.locator('input[name="customer"]').fill('ACME');
    await page.locator('input[name="sku-0"]').fill('SKU-1');
    await page.locator('input[name="name-0"]').fill('螺丝');
    await page.locator('input[name="qty-0"]').fill(String(ORDER_LIMITS.qtyMax + 1));
    await page.locator('input[name="price-0"]').fill('1.00');
    const before = posts.length;
    await page.locator('input[name="qty-0"]').press('Enter'); // from the keyboard (a toast may cover the button at 390 px)
    await expect(alert().textContent()).resolves.toBe('第 1 项数量不能大于 1,000,000');
    expect(posts.length).toBe(before);

    await page.locator('input[name="qty-0"]').fill('2');
    await page.route('**/api/orders', (route) => route.abort('connectionrefused'));
    await page.locator('input[name="qty-0"]').press('Enter'); // from the keyboard (a toast may cover the button at 390 px)
    await expect(alert().textContent()).resolves.toBe('无法连接服务器，请检查网络后重试。');
    await page.unroute('**/api/orders');
  });

  it('an approval title of 151 characters is refused in the browser (the form allowed 200, the server 150); 150 is submitted', async () => {
    await page.getByRole('link', { name: '审批' }).first().click();
    await page.getByRole('button', { name: '新建申请' }).click();
    const approvalForm = page.getByTestId('approval-form');
    await approvalForm.waitFor();
    await page.locator('select[name="kind"]').selectOption('leave');
    await approvalForm.locator('input[name="approver"]').first().check();
    const title = approvalForm.locator('input[name="title"]');
    await title.fill('假'.repeat(APPROVAL_LIMITS.titleMaxLength + 1));
    expect(await title.inputValue()).toHaveLength(151);
    await approvalForm.getByRole('button', { name: '提交申请' }).click();
    await expect(approvalForm.locator('.notice-error').textContent()).resolves.toBe('标题最多 150 个字符');
    expect(approvalPosts).toEqual([]);
    await title.fill('假'.repeat(APPROVAL_LIMITS.titleMaxLength));
    await approvalForm.getByRole('button', { name: '提交申请' }).click();
    await approvalForm.locator('.notice-ok').waitFor();
    expect(approvalPosts).toEqual([201]);
  });
});
