import { SocketEvents } from '@herald/contracts';
import { buildAsyncApiDocument } from '../apps/server/src/docs/asyncapi';
import { startTestServer, TestServer } from './support/server';

describe('AsyncAPI document at /docs/asyncapi.json', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  it('is served publicly as JSON beside the OpenAPI docs, AsyncAPI 3.0 with every socket event (validity: apps/server/src/docs/asyncapi.spec.ts)', async () => {
    const res = await fetch(`${server.url}/docs/asyncapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const text = await res.text();
    const doc = JSON.parse(text) as { asyncapi: string; channels: { socket: { messages: Record<string, { name: string }> } } };
    expect(doc.asyncapi).toBe('3.0.0');
    const names = Object.values(doc.channels.socket.messages).map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(Object.values(SocketEvents)));
    // The bytes served are the document the unit spec validates with @asyncapi/parser.
    expect(doc).toEqual(buildAsyncApiDocument());
  });

  it('answers only GET there: other methods and paths below it are not the document', async () => {
    const post = await server.request('POST', '/docs/asyncapi.json', { body: {} });
    expect(post.status).toBe(404);
    const below = await server.request('GET', '/docs/asyncapi.json/x');
    expect(below.body?.asyncapi).toBeUndefined();
  });
});
