import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Express, Request, Response } from 'express';
import {
  APPROVAL_KINDS,
  APPROVAL_STATUSES,
  HANDSHAKE_ERROR_CODES,
  ID_PATTERN,
  STREAM_POSITION_PATTERN,
  SocketEvents,
  UNAVAILABLE,
  type AckErrorCode,
  type ApprovalStepStatus,
  type ClientToServerEvents,
  type ConnectErrorCode,
  type HandshakeErrorCode,
  type ServerToClientEvents,
  type SessionCloseReason,
} from '@herald/contracts';
import { MAX_READERS_PER_USER } from '@herald/notifications';
import { MAX_RATE_VIOLATIONS, MAX_SOCKET_MESSAGE_BYTES, MAX_UNKNOWN_EVENTS, SOCKET_EVENT_BURST, SOCKET_EVENTS_PER_SECOND } from '@herald/realtime';

/** Where the AsyncAPI document is served, beside the OpenAPI UI at /docs. */
export const ASYNCAPI_PATH = '/docs/asyncapi.json';

type JsonSchema = Record<string, unknown>;
type SocketEventKey = keyof typeof SocketEvents;
type SocketEventName = (typeof SocketEvents)[SocketEventKey];

/** The `SocketEvents` key of an event name: message ids must be identifiers, event names have `:`. */
function keyOf(name: SocketEventName): SocketEventKey {
  const key = (Object.keys(SocketEvents) as SocketEventKey[]).find((k) => SocketEvents[k] === name);
  if (!key) throw new Error(`event "${name}" is missing from SocketEvents`);
  return key;
}

// Record types keyed by the contracts' unions: a new code or reason without a description fails to compile.
const CLOSE_REASONS: Record<SessionCloseReason, string> = {
  token_expired: 'The access token expired and no `auth:refresh` brought a newer one (also announced by `auth_expired`). Log in or refresh over HTTP, then reconnect.',
  session_revoked: 'Every session of the user ended (`POST /api/auth/logout-all`, password change): log in again.',
  signed_out: "This device's session ended (`POST /api/auth/logout` with one of its tokens, or its refresh-token family revoked after reuse); the user's other devices stay connected. Log in again.",
  user_disabled: 'The account was disabled; do not reconnect.',
  slow_reader: 'The client stopped reading: its unsent data stayed over 1 MB for 30 s, or passed 8 MB. Reconnect with `lastSeenId` to resume.',
  server_shutdown: 'The server is shutting down; reconnect (another instance may answer) with `lastSeenId`.',
  unavailable: 'The server could not serve the reader (its database did not answer, or the per-user reader limit was reached between handshake and start); reconnect with backoff.',
};

interface ConnectError {
  message: string;
  retry: string;
  meaning: string;
}

const CREDENTIAL_ERRORS: Record<HandshakeErrorCode, Omit<ConnectError, 'message'>> = {
  missing_token: { retry: 'no: log in first', meaning: 'Neither `auth.token` nor an `Authorization: Bearer` header was sent.' },
  invalid_token: { retry: 'no: log in again', meaning: 'The token is malformed, wrongly signed, uses `alg: none`, names an unknown user, or belongs to a session that has ended (logout, password change).' },
  token_expired: { retry: 'yes, after `POST /api/auth/refresh`', meaning: 'The access token has expired.' },
  user_disabled: { retry: 'no', meaning: 'The account is disabled.' },
};

const CONNECT_ERRORS: Record<ConnectErrorCode, ConnectError> = {
  ...(Object.fromEntries(HANDSHAKE_ERROR_CODES.map((code) => [code, { message: 'unauthorized', ...CREDENTIAL_ERRORS[code] }])) as Record<HandshakeErrorCode, ConnectError>),
  bad_request: { message: 'bad_request', retry: 'no: fix the request', meaning: '`auth.lastSeenId` is not a notification id (digits within 64 bits) or "0".' },
  too_many_sockets: {
    message: 'too_many_sockets',
    retry: 'after another tab or device disconnects',
    meaning: `The user already has ${MAX_READERS_PER_USER} live readers (sockets and SSE streams together) on this instance.`,
  },
  [UNAVAILABLE]: { message: UNAVAILABLE, retry: 'yes, with backoff', meaning: 'The server could not check the credentials (its database did not answer, or it is starting or stopping). Not the token\u2019s fault.' },
};

const ACK_ERRORS: Record<AckErrorCode, string> = {
  bad_request: 'The payload is invalid (the message names the field), or the event is unknown.',
  unauthorized: 'The socket has no live session any more, or its account is disabled; reconnect with a valid token.',
  forbidden: 'Not allowed: `auth:refresh` with another user\u2019s token, or an approval step that is not yours to decide.',
  not_found: 'No such approval (or not visible to you).',
  conflict: 'A stale `version`, or the approval was already decided.',
  rate_limited: `More than ${SOCKET_EVENTS_PER_SECOND} events per second (bursts of ${SOCKET_EVENT_BURST}); slow down.`,
  internal: 'A server-side failure; try again.',
};

const id = { type: 'string', pattern: ID_PATTERN.source, description: 'A positive 64-bit integer in decimal, without leading zeros.', examples: ['1234'] };
const position = { type: 'string', pattern: STREAM_POSITION_PATTERN.source, description: 'A notification id, or "0" for before the first one.' };
const dateTime = { type: 'string', format: 'date-time' };
const message = { type: 'string' };

const schemas: Record<string, JsonSchema> = {
  Notification: {
    type: 'object',
    description: 'One durable notification, as the inbox, the socket and SSE carry it.',
    required: ['id', 'type', 'title', 'body', 'data', 'room', 'source', 'createdAt', 'readAt'],
    properties: {
      id: { ...id, description: 'Grows in commit order.' },
      type: { type: 'string', examples: ['order.paid', 'approval.submitted'] },
      title: { type: 'string' },
      body: { type: 'string' },
      data: { type: 'object', additionalProperties: true, description: 'Event-specific data (e.g. the order or approval it concerns).' },
      room: { type: 'string', description: 'The first room it was addressed to that concerns the reader (e.g. `user:42`, `orders`).', examples: ['user:42', 'orders'] },
      source: { type: 'string', description: '`orders`, `approvals`, or `push:<api key name>`.' },
      createdAt: dateTime,
      readAt: { oneOf: [dateTime, { type: 'null' }] },
      version: { type: 'integer', minimum: 1, description: '1 when sent; each update in place adds one (`notification:updated`).' },
      updatedAt: { ...dateTime, description: 'When it was last updated in place.' },
    },
  },
  NotificationRecalled: { type: 'object', required: ['id'], properties: { id } },
  NotificationReceipts: {
    type: 'object',
    required: ['id', 'recipients', 'delivered', 'read'],
    properties: {
      id,
      recipients: { type: 'integer', minimum: 0, description: 'Users in the addressed rooms when it was sent (the actor not counted).' },
      delivered: { type: 'integer', minimum: 0, description: 'Recipients a live connection delivered it to, or who read it.' },
      read: { type: 'integer', minimum: 0 },
    },
  },
  NotificationsSeen: { type: 'object', required: ['ids', 'upTo'], properties: { ids: { type: 'array', items: id }, upTo: { oneOf: [id, { type: 'null' }], description: 'seen-all: everything up to this id.' } } },
  NotificationsArchived: { type: 'object', required: ['ids', 'archived'], properties: { ids: { type: 'array', items: id }, archived: { type: 'boolean' } } },
  Unread: { type: 'object', required: ['count'], properties: { count: { type: 'integer', minimum: 0 } } },
  ReplayDone: {
    type: 'object',
    required: ['count', 'lastId', 'position'],
    properties: {
      count: { type: 'integer', minimum: 0, description: 'Notifications replayed (missed while away).' },
      lastId: { oneOf: [id, { type: 'null' }], description: 'The last replayed id, or null when none was missed.' },
      position: { ...position, description: 'Where the server now has this reader; the client adopts it as its cursor, also when lower than the one it sent (clamped).' },
    },
  },
  AuthExpired: { type: 'object', required: ['message'], properties: { message } },
  SessionClosed: {
    type: 'object',
    required: ['reason', 'message'],
    properties: {
      reason: { type: 'string', enum: Object.keys(CLOSE_REASONS), description: Object.entries(CLOSE_REASONS).map(([r, d]) => `\`${r}\`: ${d}`).join('\n') },
      message,
    },
  },
  ReadRequest: {
    type: 'object',
    required: ['ids'],
    properties: { ids: { type: 'array', items: id, minItems: 1, maxItems: 500 } },
  },
  AuthRefreshRequest: {
    type: 'object',
    required: ['token'],
    properties: { token: { type: 'string', minLength: 1, description: 'A new access token of the same user, from `POST /api/auth/refresh`.' } },
  },
  DecideRequest: {
    type: 'object',
    required: ['id', 'decision', 'version'],
    additionalProperties: false,
    properties: {
      id,
      decision: { type: 'string', enum: ['approve', 'reject'] },
      comment: { type: 'string', maxLength: 1000 },
      version: { type: 'integer', minimum: 1, description: 'The version you read; a stale one is refused with `conflict`.' },
    },
  },
  ApprovalStep: {
    type: 'object',
    required: ['approverId', 'approverName', 'status', 'comment', 'decidedAt', 'decidedBy'],
    properties: {
      approverId: id,
      approverName: { type: 'string' },
      status: { type: 'string', enum: ['waiting', 'pending', 'approved', 'rejected', 'skipped'] satisfies ApprovalStepStatus[] },
      comment: { type: ['string', 'null'] },
      decidedAt: { oneOf: [dateTime, { type: 'null' }] },
      decidedBy: { oneOf: [id, { type: 'null' }], description: 'The approver, or an admin deciding in their place.' },
    },
  },
  Approval: {
    type: 'object',
    required: ['id', 'kind', 'title', 'amount', 'details', 'applicantId', 'applicantName', 'status', 'currentStep', 'steps', 'version', 'createdAt', 'updatedAt'],
    properties: {
      id,
      kind: { type: 'string', enum: [...APPROVAL_KINDS] },
      title: { type: 'string' },
      amount: { type: ['string', 'null'], description: 'Exact decimal string, or null (leave requests).' },
      details: { type: ['string', 'null'] },
      applicantId: id,
      applicantName: { type: 'string' },
      status: { type: 'string', enum: [...APPROVAL_STATUSES] },
      currentStep: { type: 'integer', minimum: 0, description: 'Index into `steps` of the step waiting for a decision (equals steps.length once finished).' },
      steps: { type: 'array', items: { $ref: '#/components/schemas/ApprovalStep' } },
      version: { type: 'integer', minimum: 1 },
      createdAt: dateTime,
      updatedAt: dateTime,
    },
  },
  AckError: {
    type: 'object',
    required: ['ok', 'error'],
    properties: {
      ok: { const: false },
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: {
            type: 'string',
            enum: [...Object.keys(ACK_ERRORS), ...HANDSHAKE_ERROR_CODES],
            description: [...Object.entries(ACK_ERRORS).map(([c, d]) => `\`${c}\`: ${d}`), '`invalid_token`, `token_expired`, `user_disabled` (auth:refresh): the new token is refused, as at the handshake.'].join('\n'),
          },
          message: { ...message, description: 'For a person; names the field when the payload is at fault.' },
        },
      },
    },
  },
  HandshakeAuth: {
    type: 'object',
    required: ['token'],
    properties: {
      token: { type: 'string', description: 'The access token from `POST /api/auth/login` (a JWT).' },
      lastSeenId: { ...position, description: 'Replay every notification after this one first, then go live (no gap, no duplicate).' },
    },
  },
  ConnectError: {
    type: 'object',
    description: 'The `connect_error` a refused handshake gets: `err.message` and `err.data`.',
    required: ['message', 'data'],
    properties: {
      message: { type: 'string', enum: [...new Set(Object.values(CONNECT_ERRORS).map((e) => e.message))] },
      data: {
        type: 'object',
        required: ['code', 'message'],
        properties: { code: { type: 'string', enum: Object.keys(CONNECT_ERRORS) }, message },
      },
    },
  },
};

function okAck(name: string, properties: Record<string, JsonSchema>): JsonSchema {
  return {
    oneOf: [
      { type: 'object', title: `${name}Ok`, required: ['ok', ...Object.keys(properties)], properties: { ok: { const: true }, ...properties } },
      { $ref: '#/components/schemas/AckError' },
    ],
  };
}

interface MessageSpec {
  summary: string;
  schema: JsonSchema;
  examples?: Array<{ name: string; payload: unknown }>;
}

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

// Mapped over the contracts' event maps: an event added there without documentation here fails to compile.
const SERVER_EVENTS: { [E in keyof ServerToClientEvents]: MessageSpec } = {
  notification: {
    summary: 'A notification for this user, replayed (with `lastSeenId`) or live, in id order, each at most once.',
    schema: ref('Notification'),
    examples: [{ name: 'orderPaid', payload: { id: '1234', type: 'order.paid', title: 'Order SO-1001 paid', body: 'ACME Ltd paid 250.00', data: { orderId: '7' }, room: 'orders', source: 'orders', createdAt: '2026-11-22T10:00:00.000Z', readAt: null } }],
  },
  unread: { summary: 'The unread count: after connect and after every read-state change (any tab or device of the user).', schema: ref('Unread'), examples: [{ name: 'three', payload: { count: 3 } }] },
  'replay:done': { summary: 'Sent once the replay asked for by `lastSeenId` is delivered (only with `lastSeenId`).', schema: ref('ReplayDone'), examples: [{ name: 'missedTwo', payload: { count: 2, lastId: '1236', position: '1236' } }] },
  auth_expired: { summary: 'The access token expired without `auth:refresh`; `session:closed` and the disconnect follow.', schema: ref('AuthExpired') },
  'auth:expired': { summary: 'Old name of `auth_expired`, still sent alongside it.', schema: ref('AuthExpired') },
  'session:closed': {
    summary: 'The server is about to close this connection, and why (SSE: `event: session.closed`).',
    schema: ref('SessionClosed'),
    examples: [
      { name: 'signedOut', payload: { reason: 'signed_out', message: 'This device signed out (or its session was revoked); log in again.' } },
      { name: 'revoked', payload: { reason: 'session_revoked', message: 'Every session of this user has ended (signed out everywhere, or the password changed); log in again.' } },
    ],
  },
  'notification:recalled': {
    summary: 'Its sender recalled a notification: remove it from lists and counts; replays no longer carry it, and an `unread` follows (SSE: `event: notification.recalled`).',
    schema: ref('NotificationRecalled'),
    examples: [{ name: 'recalled', payload: { id: '1234' } }],
  },
  'notification:updated': {
    summary: 'A notification changed in place (a pushed one edited, an approval card decided): the whole new notification with a higher `version`; replace the one shown (SSE: `event: notification.updated`).',
    schema: ref('Notification'),
    examples: [{ name: 'decided', payload: { id: '1234', type: 'approval.submitted', title: 'Approved by Carol: Laptop', body: 'purchase · 1200.00', data: { approvalId: '9', outcome: { decision: 'approve', by: 'Carol' } }, room: 'user:4', source: 'approvals', createdAt: '2026-11-22T10:00:00.000Z', readAt: null, version: 2, updatedAt: '2026-11-22T10:05:00.000Z' } }],
  },
  'notification:receipts': {
    summary: "To the sockets of a notification's actor as its recipients get and read it (at most about once a second per notification).",
    schema: ref('NotificationReceipts'),
    examples: [{ name: 'sevenOfTwelve', payload: { id: '1234', recipients: 12, delivered: 10, read: 7 } }],
  },
  'notification:seen': { summary: "Another device of the user marked these seen (SSE: `event: notification.seen`).", schema: ref('NotificationsSeen') },
  'notification:archived': { summary: 'Another device of the user archived (or unarchived) these (SSE: `event: notification.archived`).', schema: ref('NotificationsArchived') },
};

interface ClientEventSpec extends MessageSpec {
  ack: MessageSpec;
}

const CLIENT_EVENTS: { [E in keyof ClientToServerEvents]: ClientEventSpec } = {
  'notifications:read': {
    summary: 'Mark notifications read (1-500 ids).',
    schema: ref('ReadRequest'),
    examples: [{ name: 'two', payload: { ids: ['1234', '1235'] } }],
    ack: { summary: 'The unread count after the change, or an error.', schema: okAck('Read', { unread: { type: 'integer', minimum: 0 } }), examples: [{ name: 'ok', payload: { ok: true, unread: 1 } }] },
  },
  'auth:refresh': {
    summary: 'Hand the live connection a new access token before the current one expires, so it is not closed.',
    schema: ref('AuthRefreshRequest'),
    ack: {
      summary: 'When the new token expires, or an error (`forbidden`: another user\u2019s token; `invalid_token`: the session has ended).',
      schema: okAck('Refresh', { expiresAt: dateTime }),
      examples: [{ name: 'ok', payload: { ok: true, expiresAt: '2026-11-22T10:15:00.000Z' } }],
    },
  },
  'approvals:decide': {
    summary: 'Approve or reject the current step of an approval, as `POST /api/approvals/:id/decision` does.',
    schema: ref('DecideRequest'),
    examples: [{ name: 'approve', payload: { id: '12', decision: 'approve', comment: 'OK', version: 1 } }],
    ack: { summary: 'The approval after the decision, or an error (`forbidden`, `not_found`, `conflict`, `bad_request`).', schema: okAck('Decide', { approval: ref('Approval') }) },
  },
};

function messageObject(name: string, spec: MessageSpec, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, title: name, summary: spec.summary, payload: spec.schema, ...(spec.examples ? { examples: spec.examples } : {}), ...extra };
}

function table(rows: string[][]): string {
  return rows.map((r) => `| ${r.join(' | ')} |`).join('\n');
}

/** The AsyncAPI 3.0 document of Herald's Socket.IO interface, built from the contracts and the server's limits. */
export function buildAsyncApiDocument(): Record<string, unknown> {
  const channelMessages: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const channelRef = { $ref: '#/channels/socket' };
  for (const [name, spec] of Object.entries(SERVER_EVENTS) as Array<[SocketEventName, MessageSpec]>) {
    const key = keyOf(name);
    channelMessages[key] = messageObject(name, spec, { 'x-socketio-event': name, 'x-direction': 'server-to-client' });
    operations[key] = { action: 'send', channel: channelRef, title: `Server emits ${name}`, summary: spec.summary, messages: [{ $ref: `#/channels/socket/messages/${key}` }] };
  }
  for (const [name, spec] of Object.entries(CLIENT_EVENTS) as Array<[SocketEventName, ClientEventSpec]>) {
    const key = keyOf(name);
    channelMessages[key] = messageObject(name, spec, { 'x-socketio-event': name, 'x-direction': 'client-to-server', 'x-socketio-ack': true });
    channelMessages[`${key}Ack`] = messageObject(`${name} ack`, spec.ack, { 'x-socketio-ack-of': name, 'x-direction': 'server-to-client' });
    operations[key] = {
      action: 'receive',
      channel: channelRef,
      title: `Client emits ${name}`,
      summary: spec.summary,
      description: `Send with \`socket.emit('${name}', payload, ack)\` (or \`emitWithAck\`); the server always answers through the Socket.IO acknowledgement.`,
      messages: [{ $ref: `#/channels/socket/messages/${key}` }],
      reply: { channel: channelRef, messages: [{ $ref: `#/channels/socket/messages/${key}Ack` }] },
    };
  }

  const connectErrors = table([
    ['`err.data.code`', '`err.message`', 'meaning', 'retry'],
    ['---', '---', '---', '---'],
    ...Object.entries(CONNECT_ERRORS).map(([code, e]) => [`\`${code}\``, `\`${e.message}\``, e.meaning, e.retry]),
  ]);
  const limits = [
    `- Messages over ${MAX_SOCKET_MESSAGE_BYTES / 1024} KB close the connection.`,
    `- Every client event, known or not, takes a token from the socket's bucket: ${SOCKET_EVENTS_PER_SECOND} events/s, bursts of ${SOCKET_EVENT_BURST}; beyond, the ack answers \`rate_limited\` and ${MAX_RATE_VIOLATIONS} refusals close the socket.`,
    `- Events not listed here (\`join\`, \`subscribe\`…) are refused with \`bad_request\`; ${MAX_UNKNOWN_EVENTS} of them close the socket. Rooms are decided by the server.`,
    `- At most ${MAX_READERS_PER_USER} live readers per user per instance, sockets and SSE streams together (\`too_many_sockets\`).`,
  ].join('\n');

  return {
    asyncapi: '3.0.0',
    id: 'urn:herald:socket',
    info: {
      title: 'Herald real-time (Socket.IO)',
      version: '0.1.0',
      description: [
        'Live notifications over Socket.IO 4 (default namespace, path `/socket.io`): replay-then-live delivery, unread counts, in-band token refresh and approval decisions.',
        'This document describes the server: `send` operations are events the server emits, `receive` operations are events a client emits, each answered through its Socket.IO acknowledgement (`reply`).',
        'The HTTP API is described by the OpenAPI document at `/docs-json`; Server-Sent Events (`GET /api/notifications/stream`) carry the same notifications.',
        '',
        '## Handshake',
        'Connect with `io(url, { auth: { token, lastSeenId? } })` (see the `HandshakeAuth` schema). The token may instead come as an `Authorization: Bearer` header (never the query string). With `lastSeenId` every notification after it that the user may see arrives first, in order, then `replay:done`, then live ones: no gap, no duplicate at the seam.',
        'A refused handshake emits `connect_error`; `err.data = {code, message}`:',
        '',
        connectErrors,
        '',
        '## Limits',
        limits,
        '',
        '## Closing',
        'The server ends a connection with `session:closed {reason, message}` first (after `auth_expired` and `auth:expired` when the token expired), then disconnects.',
      ].join('\n'),
      license: { name: 'MIT' },
    },
    defaultContentType: 'application/json',
    servers: {
      herald: {
        host: '{host}',
        protocol: 'ws',
        pathname: '/socket.io',
        title: 'Herald',
        description: 'Socket.IO 4 (Engine.IO v4: WebSocket, or HTTP long-polling upgraded to WebSocket); use `wss`/`https` behind TLS. The credentials travel in the Socket.IO CONNECT packet (`auth`), not in the URL.',
        variables: { host: { default: 'localhost:3000', description: 'Host and port Herald listens on.' } },
        security: [{ $ref: '#/components/securitySchemes/handshakeToken' }, { $ref: '#/components/securitySchemes/bearerHeader' }],
        'x-socketio': { version: '4', namespace: '/', handshakeAuth: ref('HandshakeAuth'), connectError: ref('ConnectError') },
      },
    },
    channels: {
      socket: {
        address: '/',
        title: 'Default namespace',
        description: 'The one Socket.IO namespace. The server puts each socket in its rooms (`user:<id>`, `role:<role>`, `orders`, `approvals`, `all`) from the user\u2019s current roles; clients cannot join or leave rooms.',
        servers: [{ $ref: '#/servers/herald' }],
        messages: channelMessages,
        bindings: {
          ws: {
            bindingVersion: '0.1.0',
            method: 'GET',
            headers: { type: 'object', properties: { authorization: { type: 'string', description: 'Optional `Bearer <accessToken>`, used when `auth.token` is absent.' } } },
          },
        },
      },
    },
    operations,
    components: {
      schemas,
      securitySchemes: {
        handshakeToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'The access token from `POST /api/auth/login`, sent as `auth.token` in the Socket.IO handshake (`io(url, { auth: { token } })`). Refresh it on a live connection with `auth:refresh`.',
        },
        bearerHeader: {
          type: 'httpApiKey',
          name: 'Authorization',
          in: 'header',
          description: '`Bearer <accessToken>` on the handshake request, for clients that cannot set `auth` (used only when `auth.token` is absent).',
        },
      },
    },
  };
}

/** Serves the document publicly at ASYNCAPI_PATH; built once, it depends only on the code. */
export function serveAsyncApi(app: NestExpressApplication): void {
  const body = JSON.stringify(buildAsyncApiDocument());
  (app.getHttpAdapter().getInstance() as Express).get(ASYNCAPI_PATH, (_req: Request, res: Response) => {
    res.type('application/json').send(body);
  });
}
