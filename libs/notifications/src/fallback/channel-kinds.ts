import { createHmac } from 'node:crypto';

export const CHANNEL_KINDS = ['email', 'dingtalk', 'wecom', 'feishu', 'webhook'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

export interface EmailConfig {
  smtpUrl?: string;
  from?: string;
}
export interface RobotConfig {
  url: string;
  secret?: string;
}
export type ChannelConfig = EmailConfig | RobotConfig;

/** A channel's configuration broke a rule: names the field, for a 400. */
export class ChannelConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const MASK = '********';
const FIELDS: Record<ChannelKind, readonly string[]> = {
  email: ['smtpUrl', 'from'],
  dingtalk: ['url', 'secret'],
  wecom: ['url'],
  feishu: ['url', 'secret'],
  webhook: ['url', 'secret'],
};

function httpUrl(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length > 2000) throw new ChannelConfigError(field, `${field} must be an http(s) URL of at most 2000 characters.`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ChannelConfigError(field, `${field} must be an http(s) URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ChannelConfigError(field, `${field} must be an http(s) URL.`);
  return url.toString();
}

function secretOf(value: unknown, field: string, required: boolean, minLength = 1): string | undefined {
  if (value === undefined || value === null || value === '') {
    if (required) throw new ChannelConfigError(field, `${field} is required.`);
    return undefined;
  }
  if (typeof value !== 'string' || value.length < minLength || value.length > 200 || /[\u0000-\u001f]/.test(value)) {
    throw new ChannelConfigError(field, `${field} must be a string of ${minLength}-200 printable characters.`);
  }
  return value;
}

/** Checks a channel's configuration for its kind; answers the normalised one or throws ChannelConfigError. */
export function validateChannelConfig(kind: ChannelKind, config: unknown): ChannelConfig {
  if (!config || typeof config !== 'object' || Array.isArray(config)) throw new ChannelConfigError('config', 'config must be an object.');
  const raw = config as Record<string, unknown>;
  const unknown = Object.keys(raw).filter((k) => !FIELDS[kind].includes(k));
  if (unknown.length) {
    throw new ChannelConfigError(`config.${unknown[0]}`, `config.${unknown[0]} is not a setting of a ${kind} channel (it takes ${FIELDS[kind].join(', ')}).`);
  }
  if (kind === 'email') {
    const out: EmailConfig = {};
    if (raw.smtpUrl !== undefined) {
      if (typeof raw.smtpUrl !== 'string' || !/^smtps?:\/\/[^\s]+$/.test(raw.smtpUrl) || raw.smtpUrl.length > 500) {
        throw new ChannelConfigError('config.smtpUrl', 'config.smtpUrl must be an smtp:// or smtps:// URL.');
      }
      out.smtpUrl = raw.smtpUrl;
    }
    if (raw.from !== undefined) {
      if (typeof raw.from !== 'string' || !/^[^\r\n]{3,254}$/.test(raw.from) || !raw.from.includes('@')) {
        throw new ChannelConfigError('config.from', 'config.from must be an address such as "Herald <herald@example.com>".');
      }
      out.from = raw.from;
    }
    return out;
  }
  const url = httpUrl(raw.url, 'config.url');
  if (kind === 'wecom') {
    if (!new URL(url).searchParams.get('key')) throw new ChannelConfigError('config.url', 'config.url must carry the robot key (…/cgi-bin/webhook/send?key=…).');
    return { url };
  }
  // The generic webhook's receiver checks the signature, so its secret is required and long enough to resist guessing.
  const secret = secretOf(raw.secret, 'config.secret', kind === 'webhook', kind === 'webhook' ? 16 : 1);
  return secret === undefined ? { url } : { url, secret };
}

function maskUrl(value: string, kind: ChannelKind): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return MASK;
  }
  if (url.password) url.password = MASK;
  for (const key of [...url.searchParams.keys()]) url.searchParams.set(key, MASK);
  // Feishu's hook id is the last path segment, and it is the credential.
  if (kind === 'feishu') url.pathname = url.pathname.replace(/[^/]+$/, MASK);
  return decodeURI(url.toString());
}

/** The configuration as an admin sees it back: secrets and the tokens inside URLs masked. */
export function maskChannelConfig(kind: ChannelKind, config: ChannelConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (typeof value !== 'string') continue;
    if (key === 'secret') out[key] = MASK;
    else if (key === 'url' || key === 'smtpUrl') out[key] = maskUrl(value, kind);
    else out[key] = value;
  }
  return out;
}

/** What a group-robot or webhook message says about one notification. */
export interface GroupMessage {
  notification: { id: string; type: string; title: string; body: string; data: Record<string, unknown>; createdAt: string };
  /** Recipients who had not read it when the message was made. */
  unread: number;
}

export interface HttpRequestPlan {
  url: string;
  headers: Record<string, string>;
  body: string;
}

function summary(m: GroupMessage): string {
  return `${m.unread} recipient(s) have not read it yet.`;
}

/** DingTalk's signature: base64(HMAC-SHA256(key = secret, timestamp_ms + "\n" + secret)), URL-encoded by the caller. */
export function dingtalkSign(timestampMs: number, secret: string): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
}

/** Feishu's signature: base64(HMAC-SHA256(key = timestamp_s + "\n" + secret, empty message)). */
export function feishuSign(timestampSeconds: number, secret: string): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}

/** The generic webhook's signature: `sha256=` + hex(HMAC-SHA256(secret, timestamp + "." + body)). */
export function webhookSign(timestampSeconds: number, body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')}`;
}

/** The HTTP request that sends `message` through a robot or webhook channel, signed as its vendor documents. */
export function robotRequest(kind: Exclude<ChannelKind, 'email'>, config: RobotConfig, message: GroupMessage, now = Date.now()): HttpRequestPlan {
  const n = message.notification;
  const headers = { 'content-type': 'application/json' };
  const markdown = `**${n.title}**\n\n${n.body ? `${n.body}\n\n` : ''}${summary(message)}\n\n(${n.type} #${n.id})`;
  switch (kind) {
    case 'dingtalk': {
      const url = new URL(config.url);
      if (config.secret) {
        url.searchParams.set('timestamp', String(now));
        url.searchParams.set('sign', dingtalkSign(now, config.secret));
      }
      return { url: url.toString(), headers, body: JSON.stringify({ msgtype: 'markdown', markdown: { title: n.title, text: markdown } }) };
    }
    case 'wecom':
      return { url: config.url, headers, body: JSON.stringify({ msgtype: 'markdown', markdown: { content: markdown } }) };
    case 'feishu': {
      const text = `${n.title}\n${n.body ? `${n.body}\n` : ''}${summary(message)}`;
      const signed = config.secret ? { timestamp: String(Math.floor(now / 1000)), sign: feishuSign(Math.floor(now / 1000), config.secret) } : {};
      return { url: config.url, headers, body: JSON.stringify({ ...signed, msg_type: 'text', content: { text } }) };
    }
    case 'webhook': {
      const timestamp = Math.floor(now / 1000);
      const body = JSON.stringify({ event: 'notification.unread', notification: n, unread: message.unread });
      return {
        url: config.url,
        headers: { ...headers, 'x-herald-timestamp': String(timestamp), 'x-herald-signature': webhookSign(timestamp, body, config.secret ?? '') },
        body,
      };
    }
  }
}

/**
 * Whether the remote accepted the message. DingTalk, WeCom and Feishu answer HTTP 200 with a non-zero
 * errcode/code when they refuse (bad signature, rate limit, bad key): that is a failure too.
 */
export function acceptedBy(kind: Exclude<ChannelKind, 'email'>, status: number, answer: string): { ok: true } | { ok: false; reason: string } {
  if (status < 200 || status > 299) return { ok: false, reason: `HTTP ${status}: ${answer.slice(0, 200)}` };
  if (kind === 'webhook') return { ok: true };
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(answer) as Record<string, unknown>;
  } catch {
    return { ok: false, reason: `HTTP ${status} with an answer that is not JSON: ${answer.slice(0, 200)}` };
  }
  const code = kind === 'feishu' ? (parsed.code ?? parsed.StatusCode) : parsed.errcode;
  if (code === 0) return { ok: true };
  const text = kind === 'feishu' ? (parsed.msg ?? parsed.StatusMessage) : parsed.errmsg;
  return { ok: false, reason: `${kind} refused it: ${kind === 'feishu' ? 'code' : 'errcode'} ${String(code)}${text ? ` (${String(text)})` : ''}` };
}
