import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import pino from 'pino';
import { Writable } from 'node:stream';
import { loggedRequest } from './access-log';

function request(): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.method = 'POST';
  req.url = '/api/notifications/stream?ticket=sse-ticket-secret';
  req.headers = { authorization: 'Bearer jwt-secret', 'x-api-key': 'hk_secret_key', cookie: 'sid=cookie-secret' };
  return req;
}

/** pino's `redact` is gone: the request serializer alone keeps headers and query strings out of every line. */
describe('loggedRequest', () => {
  it('shows the method and the path, never headers or the query string', () => {
    expect(loggedRequest(request())).toEqual({ method: 'POST', path: '/api/notifications/stream' });
  });

  it('holds for a line a logger writes with the request bound under req', () => {
    let out = '';
    const sink = new Writable({ write: (chunk, _enc, done) => ((out += String(chunk)), done()) });
    const log = pino({ serializers: { req: loggedRequest } }, sink);
    log.child({ req: request() }).warn('with the request');
    expect(JSON.parse(out).req).toEqual({ method: 'POST', path: '/api/notifications/stream' });
    for (const secret of ['jwt-secret', 'hk_secret_key', 'cookie-secret', 'sse-ticket-secret']) expect(out).not.toContain(secret);
  });
});
