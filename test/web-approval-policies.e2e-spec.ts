import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { ApprovalDto, ApprovalPolicyDto } from '@herald/contracts';
import { closeBrowser, devicePage, ensureWebBuilt, launchChromium, signInWithForm } from './support/browser';
import { DEMO_PASSWORD, loginAll, startTestServer, type TestServer } from './support/server';

/**
 * The approval-policy screen (/admin/approval-policies) in a real browser, and the reminder and
 * escalation it sets arriving in the inbox like any other notification, in both languages.
 */
const ROOT = resolve(__dirname, '..');
const ARTIFACTS = join(ROOT, 'test-artifacts');
const WIDE = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

describe('approval policies in a real browser', () => {
  let server: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const token: Record<string, string> = {};
  const id: Record<string, string> = {};

  beforeAll(async () => {
    ensureWebBuilt();
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startTestServer();
    await loginAll(server, { tokens: token, ids: id }, ['admin', 'carol', 'dave', 'erin']);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await closeBrowser(browser, contexts);
    await server?.stop();
  });

  async function signIn(username: string, options: { locale?: string; viewport?: { width: number; height: number } } = {}): Promise<Page> {
    const page = await devicePage(browser, contexts, { locale: options.locale, viewport: options.viewport ?? WIDE });
    await signInWithForm(page, server.url, username, DEMO_PASSWORD);
    return page;
  }
  const overflow = (page: Page) => page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
  const policy = async (kind: string) => (await server.request('GET', `/api/admin/approval-policies/${kind}`, { token: token.admin })).body as ApprovalPolicyDto;

  it('an admin sets a kind\'s reminder and escalation to chosen people; a bad order is refused before it is sent', async () => {
    const admin = await signIn('admin');
    await admin.goto(`${server.url}/admin/approval-policies`);
    const purchase = admin.getByTestId('policy-purchase');
    await purchase.waitFor();
    await admin.getByRole('link', { name: 'Reminders' }).waitFor();

    // Escalation before the reminder: the form says so and sends nothing.
    await purchase.getByLabel('Remind the approver after (minutes)').fill('10');
    await purchase.getByLabel('Escalate after (minutes)').fill('5');
    await purchase.getByRole('button', { name: 'Save the Purchase policy' }).click();
    await admin.getByTestId('policy-notice-purchase').filter({ hasText: 'Escalation must come after the reminder' }).waitFor();
    expect((await policy('purchase')).updatedAt).toBeNull();

    // One second and two (as minutes), to Erin; sent with Enter from the field.
    await purchase.getByLabel('Remind the approver after (minutes)').fill('0.02');
    await purchase.getByLabel('Escalate after (minutes)').fill('0.04');
    await purchase.getByLabel('These people').check();
    await purchase.getByRole('checkbox', { name: /Erin/ }).check();
    await purchase.getByLabel('Escalate after (minutes)').press('Enter');
    await admin.getByTestId('policy-notice-purchase').filter({ hasText: 'The Purchase policy is saved.' }).waitFor();
    expect(await policy('purchase')).toMatchObject({ remindAfter: 1, escalateAfter: 2, escalateTo: { userIds: [id.erin] } });
    expect(await overflow(admin)).toBe(0);
    await admin.screenshot({ path: join(ARTIFACTS, 'admin-approval-policies.png'), fullPage: true });

    // Reloaded, the screen shows what is stored.
    await admin.reload();
    await purchase.waitFor();
    expect(await purchase.getByLabel('Remind the approver after (minutes)').inputValue()).toBe('0.02');
    expect(await purchase.getByRole('checkbox', { name: /Erin/ }).isChecked()).toBe(true);
  });

  it('the reminder and the escalation arrive in the inbox with their texts, in Chinese at 390 px too', async () => {
    const res = await server.request('POST', '/api/approvals', { token: token.dave, body: { kind: 'purchase', title: 'Monitors', amount: '300.00', approverIds: [id.carol] } });
    expect(res.status).toBe(201);
    const approval = res.body as ApprovalDto;

    const carol = await signIn('carol');
    await carol.goto(`${server.url}/inbox`);
    const reminder = carol.getByTestId('inbox-item').filter({ hasText: 'Waiting for your decision: Monitors' });
    await reminder.waitFor({ timeout: 15_000 });
    await reminder.getByRole('img', { name: 'Approval reminder' }).waitFor(); // its own picture and name, not the bell of an unknown type

    const erin = await signIn('erin', { locale: 'zh-CN', viewport: PHONE });
    await erin.goto(`${server.url}/inbox`);
    const escalated = erin.getByTestId('inbox-item').filter({ hasText: '审批超时已升级：Monitors' });
    await escalated.waitFor({ timeout: 15_000 });
    await escalated.getByRole('img', { name: '审批已升级' }).waitFor();
    expect(await erin.getByTestId('inbox-item').filter({ hasText: '催办' }).count()).toBe(0);
    expect(await overflow(erin)).toBe(0);

    const zhAdmin = await signIn('admin', { locale: 'zh-CN', viewport: PHONE });
    await zhAdmin.goto(`${server.url}/admin/approval-policies`);
    await zhAdmin.getByRole('heading', { name: '催办与升级' }).waitFor();
    await zhAdmin.getByTestId('policy-leave').getByRole('button', { name: '保存“请假”策略' }).waitFor();
    expect(await overflow(zhAdmin)).toBe(0);
    await zhAdmin.screenshot({ path: join(ARTIFACTS, 'admin-approval-policies-zh-390.png'), fullPage: true });
    void approval;
  });

  it('is an admins-only page for anyone else', async () => {
    const carol = await signIn('carol');
    await carol.goto(`${server.url}/admin/approval-policies`);
    await carol.getByTestId('admin-only').waitFor();
  });
});
