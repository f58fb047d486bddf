import { Parser, DiagnosticSeverity } from '@asyncapi/parser';
import { HANDSHAKE_ERROR_CODES, SocketEvents } from '@herald/contracts';
import { buildAsyncApiDocument } from './asyncapi';

type Doc = {
  channels: { socket: { messages: Record<string, { name: string; payload: unknown }> } };
  operations: Record<string, { action: string; messages: Array<{ $ref: string }>; reply?: { messages: Array<{ $ref: string }> } }>;
  components: { schemas: Record<string, { properties: Record<string, { enum?: string[]; properties?: Record<string, { enum?: string[] }> }> }> };
  info: { description: string };
};

const SERVER_TO_CLIENT = [
  'notification', 'unread', 'replay:done', 'auth_expired', 'auth:expired', 'session:closed',
  'notification:recalled', 'notification:updated', 'notification:receipts', 'notification:seen', 'notification:archived',
];
const CLIENT_TO_SERVER = ['notifications:read', 'auth:refresh', 'approvals:decide'];

describe('AsyncAPI document of the socket events', () => {
  const doc = buildAsyncApiDocument();
  const typed = doc as unknown as Doc;

  it('is valid AsyncAPI 3.0 for the official parser: no diagnostic of severity error (nor warning)', async () => {
    const diagnostics = await new Parser().validate(JSON.stringify(doc));
    const problems = diagnostics
      .filter((d) => d.severity === DiagnosticSeverity.Error || d.severity === DiagnosticSeverity.Warning)
      .map((d) => `${d.code} at ${d.path.join('.')}: ${d.message}`);
    expect(problems).toEqual([]);
    const { document } = await new Parser().parse(JSON.stringify(doc));
    expect(document?.version()).toBe('3.0.0');
    expect(document?.operations().length).toBe(SERVER_TO_CLIENT.length + CLIENT_TO_SERVER.length);
  });

  it('documents every event of SocketEvents, in its direction, each client event with its ack as reply', () => {
    const messages = typed.channels.socket.messages;
    const byName = (name: string) => Object.entries(messages).find(([, m]) => m.name === name)?.[0];
    // Every event name the code uses (SocketEvents) must have a message; a new one without documentation fails here.
    const names = Object.values(SocketEvents) as string[];
    expect(names.filter((n) => !byName(n))).toEqual([]);
    expect([...names].sort()).toEqual([...SERVER_TO_CLIENT, ...CLIENT_TO_SERVER].sort());
    for (const name of SERVER_TO_CLIENT) {
      const key = byName(name)!;
      expect(typed.operations[key]).toMatchObject({ action: 'send', messages: [{ $ref: `#/channels/socket/messages/${key}` }] });
      expect(typed.operations[key].reply).toBeUndefined();
    }
    for (const name of CLIENT_TO_SERVER) {
      const key = byName(name)!;
      expect(typed.operations[key]).toMatchObject({
        action: 'receive',
        messages: [{ $ref: `#/channels/socket/messages/${key}` }],
        reply: { messages: [{ $ref: `#/channels/socket/messages/${key}Ack` }] },
      });
      expect(messages[`${key}Ack`].name).toBe(`${name} ack`);
    }
  });

  it('lists every connect_error code, the session close reasons and the limits', () => {
    const schemas = typed.components.schemas;
    expect(schemas.ConnectError.properties.data.properties!.code.enum!.sort()).toEqual([...HANDSHAKE_ERROR_CODES, 'bad_request', 'too_many_sockets', 'unavailable'].sort());
    expect(schemas.ConnectError.properties.message.enum!.sort()).toEqual(['bad_request', 'too_many_sockets', 'unauthorized', 'unavailable']);
    expect(schemas.SessionClosed.properties.reason.enum!.sort()).toEqual(['server_shutdown', 'session_revoked', 'signed_out', 'slow_reader', 'token_expired', 'unavailable', 'user_disabled']);
    expect(Object.keys(schemas.ReplayDone.properties).sort()).toEqual(['count', 'lastId', 'position']);
    for (const code of ['missing_token', 'invalid_token', 'token_expired', 'user_disabled', 'bad_request', 'too_many_sockets', 'unavailable']) {
      expect(typed.info.description).toContain(`| \`${code}\` |`);
    }
    expect(typed.info.description).toContain('over 64 KB');
    expect(typed.info.description).toContain('10 events/s, bursts of 30');
    expect(typed.info.description).toContain('At most 20 live readers per user');
  });

  it('rejects a document that lost a message: the check is not vacuous', async () => {
    const broken = JSON.parse(JSON.stringify(doc)) as Doc;
    delete broken.channels.socket.messages.read;
    const diagnostics = await new Parser().validate(JSON.stringify(broken));
    expect(diagnostics.some((d) => d.severity === DiagnosticSeverity.Error)).toBe(true);
  });
});
