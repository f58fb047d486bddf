import type { AddressInfo, Socket } from 'node:net';
import { MAX_READER_BUFFER_BYTES } from '@herald/notifications';
import { startTestServer, TestServer } from './support/server';
import { pushClient } from './support/push';
import { connectSocket, sleep, TestSocket } from './support/sockets';
import { stalledSocketIoReader, stalledSseReader } from './support/stalled-readers';

const BATCHES = 30;
const PER_BATCH = 100;
const DATA_CHARS = 14_000;

/**
 * Live readers (no replay: they connected at the tail), a socket and an SSE stream, that stop reading while a
 * flood of large notifications goes out are shed once their unsent bytes pass MAX_READER_BUFFER_BYTES, within
 * the byte budget between two looks at a buffer, while another user's socket gets every one.
 */
describe('a live reader that stops reading under a flood', () => {
  let server: TestServer;
  let healthy: TestSocket | undefined;
  let stalled: Socket | undefined;
  let stalledSse: Socket | undefined;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    healthy?.close();
    stalled?.destroy();
    stalledSse?.destroy();
    await server?.stop();
  });

  it(`are dropped after about ${MAX_READER_BUFFER_BYTES / 2 ** 20} MB unsent (of up to ${BATCHES * PER_BATCH} pushes); the others get every one`, async () => {
    const { key } = await pushClient(server, 'flood');
    const admin = await server.login('admin');
    const carol = await server.login('carol');
    const bob = await server.login('bob');
    const erin = await server.login('erin');
    const port = (server.app.getHttpServer().address() as AddressInfo).port;
    // Online while either stalled reader (carol's socket, bob's stream) is still attached.
    const onlineNow = async () => {
      const res = await server.request('GET', `/api/presence?userIds=${carol.user.id},${bob.user.id}`, { token: admin.accessToken });
      return res.body.online as Record<string, boolean>;
    };
    const online = async () => Object.values(await onlineNow()).some(Boolean);

    stalled = stalledSocketIoReader(port, { token: carol.accessToken });
    stalledSse = stalledSseReader(port, { token: bob.accessToken });
    healthy = await connectSocket(server.url, { token: erin.accessToken });
    const both = async () => Object.values(await onlineNow()).every(Boolean);
    for (let i = 0; i < 50 && !(await both()); i++) await sleep(100);
    expect(await onlineNow()).toEqual({ [carol.user.id]: true, [bob.user.id]: true });

    const blob = 'x'.repeat(DATA_CHARS);
    let shedAtBatch = -1;
    let batches = 0;
    for (let b = 0; b < BATCHES; b++) {
      if (shedAtBatch < 0 && !(await online())) shedAtBatch = b;
      // Two batches past the shedding are enough to see the others unaffected; the rest would only cost CI time.
      if (shedAtBatch >= 0 && b >= shedAtBatch + 2) break;
      batches++;
      const items = Array.from({ length: PER_BATCH }, (_, i) => ({
        to: { userIds: [carol.user.id, bob.user.id, erin.user.id] },
        type: 'test.flood',
        title: `flood ${b * PER_BATCH + i}`,
        data: { blob },
      }));
      const res = await server.request('POST', '/api/push/batch', { headers: { 'x-api-key': key }, body: { items } });
      expect(res.status).toBe(202);
    }
    const sent = batches * PER_BATCH;
    const sentMb = (sent * DATA_CHARS) / 2 ** 20;

    await healthy.waitFor(() => healthy!.received.length === sent, 60_000, 'every flood notification on the healthy socket');
    let shedAfterMs = -1;
    const t0 = Date.now();
    while (Date.now() - t0 < 10_000) {
      if (!(await online())) {
        shedAfterMs = Date.now() - t0;
        break;
      }
      await sleep(100);
    }
    const mbPerBatch = (PER_BATCH * DATA_CHARS) / 2 ** 20;
    process.stdout.write(
      `[live-flood] ${sentMb.toFixed(0)} MB pushed to a stalled live socket and SSE stream: ` +
        (shedAtBatch >= 0 ? `shed once ${(shedAtBatch * mbPerBatch).toFixed(0)} MB had been pushed\n` : `shed ${shedAfterMs} ms after the healthy socket had all of it\n`),
    );
    expect(shedAfterMs).toBeGreaterThanOrEqual(0);
    // The healthy reader got them in order, once each.
    const titles = healthy.received.map((n) => n.title);
    expect(titles).toEqual(Array.from({ length: sent }, (_, i) => `flood ${i}`));
  }, 120_000);
});
