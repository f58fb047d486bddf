import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Options } from 'pino-http';
// Deep import: the filter in @herald/common uses the same rule for requests refused before this logger ran.
import { loggedPath, requestIdOf } from '@herald/common/http/request-id';

type RequestSeen = IncomingMessage & {
  route?: { path?: unknown };
  user?: { id?: unknown };
  apiKey?: { id?: unknown };
  body?: unknown;
};
type ResponseSeen = ServerResponse & { locals?: { errorCode?: unknown } };

/** The route pattern (`/api/orders/:id`); never the raw URL, whose query string may carry an SSE ticket. */
function routeOf(req: RequestSeen): string {
  const route = req.route?.path;
  // Nest answers unknown paths from a catch-all route (`{/*splat}`): those are not a route of ours.
  return typeof route === 'string' && !route.includes('*') ? route : 'unmatched';
}


/**
 * What a log line shows of a request under `req`, whoever logs one: its method and path, nothing else. pino-http
 * binds every request to a child logger under `req` (serialized at once, even when never written).
 */
export function loggedRequest(req: { method?: unknown; raw?: IncomingMessage } & Partial<IncomingMessage>): { method: string; path: string } {
  const raw = (req.raw ?? req) as IncomingMessage;
  return { method: String(raw.method ?? req.method ?? ''), path: loggedPath(raw) };
}

/** Health probes and scrapes every few seconds would drown the log: only their failures are written. */
const QUIET = /^\/(health|metrics)(\/|\?|$)/;

/**
 * pino-http options for one access line per answered request: method, route pattern, status,
 * duration, user or API-key id, request id (and for a login the username, never the password).
 * 2xx/3xx at info, 4xx at warn, 5xx at error.
 */
export function accessLogOptions(): Pick<Options, 'genReqId' | 'customAttributeKeys' | 'customLogLevel' | 'customSuccessMessage' | 'customErrorMessage' | 'customSuccessObject' | 'customErrorObject' | 'quietReqLogger' | 'quietResLogger' | 'autoLogging'> {
  return {
    genReqId: (req, res) => requestIdOf(req, res),
    customAttributeKeys: { reqId: 'requestId', responseTime: 'durationMs' },
    // Every log line written while serving a request carries `requestId` only, not the whole request.
    quietReqLogger: true,
    quietResLogger: true,
    autoLogging: { ignore: (req) => QUIET.test(req.url ?? '') },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    // The line is built when the answer is finished, so guards have set the user or key by then.
    customSuccessObject: (req, res, base) => accessLine(req as RequestSeen, res as ResponseSeen, base as { durationMs?: number }),
    customErrorObject: (req, res, _err, base) => accessLine(req as RequestSeen, res as ResponseSeen, base as { durationMs?: number }),
    customSuccessMessage: (req, res) => `${req.method} ${routeOf(req as RequestSeen)} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${routeOf(req as RequestSeen)} ${res.statusCode}`,
  };
}

function accessLine(req: RequestSeen, res: ResponseSeen, base: { durationMs?: number }): Record<string, unknown> {
  const route = routeOf(req);
  const line: Record<string, unknown> = {
    access: true,
    method: req.method,
    route,
    status: res.statusCode,
    durationMs: base.durationMs,
  };
  // Only for requests no route matched: a 404 is easier to read with its path.
  if (route === 'unmatched') line.path = loggedPath(req);
  if (typeof req.user?.id === 'string') line.userId = req.user.id;
  if (typeof req.apiKey?.id === 'string') line.apiKeyId = req.apiKey.id;
  const body = req.body as { username?: unknown } | undefined;
  if (route === '/api/auth/login' && typeof body?.username === 'string') line.username = body.username.slice(0, 100);
  if (typeof res.locals?.errorCode === 'string') line.code = res.locals.errorCode;
  if (!res.writableFinished) line.aborted = true;
  return line;
}
