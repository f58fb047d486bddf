import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Counter, Histogram, Registry } from 'prom-client';

/**
 * Counts and times every HTTP request, labelled by the route pattern (`/api/users/:id`, never the raw
 * path, to keep the label set small) and the status finally sent. Installed as the first Express
 * middleware, so requests refused before any route runs — an oversized body (413), an unknown path
 * (route `unmatched`) — and those refused by guards (401, 403, 429) are counted too.
 */
export function httpMetrics(registry: Registry): RequestHandler {
  const requests = new Counter({
    name: 'herald_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'herald_http_request_duration_seconds',
    help: 'Time from the request arriving to the response being sent, in seconds.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return (req: Request, res: Response, next: NextFunction) => {
    const stopTimer = duration.startTimer();
    // On 'finish' the exception filter has run, so the status is the one the client got.
    res.once('finish', () => {
      const labels = { method: req.method, route: routePattern(req), status: String(res.statusCode) };
      requests.inc(labels);
      stopTimer(labels);
    });
    next();
  };
}

function routePattern(req: Request): string {
  const route = (req.route as { path?: unknown } | undefined)?.path;
  // Nest answers unknown paths from a catch-all route (`{/*splat}`): those are not a route of ours.
  return typeof route === 'string' && !route.includes('*') ? route : 'unmatched';
}
