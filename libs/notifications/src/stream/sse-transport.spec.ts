import type { Response } from 'express';
import { SSE_CLOSE_GRACE_MS, SseTransport } from './sse-transport';

/** A response whose client has stopped reading: writes pile up and end() never finishes until told. */
function stalledResponse() {
  const res = { writes: [] as string[], ended: false, destroyed: false, writableFinished: false, writableLength: 0 };
  const api = {
    write: (chunk: string) => {
      res.writes.push(chunk);
      res.writableLength += chunk.length;
      return false;
    },
    end: () => void (res.ended = true),
    destroy: () => void (res.destroyed = true),
    get destroyed() {
      return res.destroyed;
    },
    get writableFinished() {
      return res.writableFinished;
    },
    get writableLength() {
      return res.writableLength;
    },
  };
  return { res, response: api as unknown as Response };
}

describe('SseTransport.close', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('says why, ends the stream, and drops it after the grace when the client never takes the rest', () => {
    const { res, response } = stalledResponse();
    const t = new SseTransport(response);
    t.close('session_revoked', 'Signed out everywhere.');
    expect(res.writes.at(-1)).toContain('event: session.closed');
    expect(res.ended).toBe(true);
    jest.advanceTimersByTime(SSE_CLOSE_GRACE_MS - 1);
    expect(res.destroyed).toBe(false);
    jest.advanceTimersByTime(1);
    expect(res.destroyed).toBe(true);
  });

  it('leaves a stream alone that finished within the grace', () => {
    const { res, response } = stalledResponse();
    new SseTransport(response).close('server_shutdown', 'Restarting.');
    res.writableFinished = true;
    jest.advanceTimersByTime(SSE_CLOSE_GRACE_MS);
    expect(res.destroyed).toBe(false);
  });

  it('drops a slow reader at once', () => {
    const { res, response } = stalledResponse();
    new SseTransport(response).close('slow_reader', 'Too far behind.');
    expect(res.destroyed).toBe(true);
  });
});
