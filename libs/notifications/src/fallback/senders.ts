import { createTransport, type Transporter } from 'nodemailer';
import { acceptedBy, type ChannelKind, type GroupMessage, robotRequest, type RobotConfig } from './channel-kinds';

const HTTP_TIMEOUT_MS = 10_000;
const SMTP_TIMEOUT_MS = 15_000;
const MAX_ANSWER = 1000;

/** How one send went: the remote's status and answer are recorded whether it worked or not. */
export type SendOutcome = { ok: true; status: number | null; answer: string } | { ok: false; status: number | null; answer: string | null; reason: string };

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, MAX_ANSWER);

/** Posts a group-robot or webhook message, signed for its vendor, and reads the answer as the vendor means it. */
export async function sendToRobot(kind: Exclude<ChannelKind, 'email'>, config: RobotConfig, message: GroupMessage): Promise<SendOutcome> {
  const plan = robotRequest(kind, config, message);
  let res: Response;
  try {
    res = await fetch(plan.url, { method: 'POST', headers: plan.headers, body: plan.body, redirect: 'error', signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
  } catch (err) {
    return { ok: false, status: null, answer: null, reason: `could not reach ${new URL(plan.url).host}: ${errorText(err)}` };
  }
  const answer = (await res.text().catch((err: unknown) => `(answer unreadable: ${errorText(err)})`)).slice(0, MAX_ANSWER);
  const verdict = acceptedBy(kind, res.status, answer);
  return verdict.ok ? { ok: true, status: res.status, answer } : { ok: false, status: res.status, answer, reason: verdict.reason };
}

export interface EmailMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
}

/** SMTP transports by URL, reused across sends (each keeps its own connection handling). */
export class Mailer {
  private readonly transports = new Map<string, Transporter>();

  async send(smtpUrl: string, message: EmailMessage): Promise<SendOutcome> {
    let transport = this.transports.get(smtpUrl);
    if (!transport) {
      const url = new URL(smtpUrl);
      const secure = url.protocol === 'smtps:';
      transport = createTransport({
        host: url.hostname,
        port: url.port ? Number(url.port) : secure ? 465 : 587,
        secure,
        auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
        // smtp://…?ignoreTLS=true for a local relay that offers STARTTLS it cannot complete.
        ignoreTLS: url.searchParams.get('ignoreTLS') === 'true',
        connectionTimeout: SMTP_TIMEOUT_MS,
        greetingTimeout: SMTP_TIMEOUT_MS,
        socketTimeout: SMTP_TIMEOUT_MS,
      });
      this.transports.set(smtpUrl, transport);
    }
    try {
      const info = (await transport.sendMail(message)) as { response?: string };
      const answer = String(info.response ?? '').slice(0, MAX_ANSWER);
      return { ok: true, status: Number(/^\d{3}/.exec(answer)?.[0] ?? 250), answer };
    } catch (err) {
      const e = err as { responseCode?: number; response?: string };
      return { ok: false, status: e.responseCode ?? null, answer: e.response?.slice(0, MAX_ANSWER) ?? null, reason: `SMTP: ${errorText(err)}` };
    }
  }

  close(): void {
    for (const t of this.transports.values()) t.close();
    this.transports.clear();
  }
}
