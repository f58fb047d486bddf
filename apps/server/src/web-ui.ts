import type { NestExpressApplication } from '@nestjs/platform-express';
import { static as serveStatic, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import helmet, { type HelmetOptions } from 'helmet';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Paths that belong to the server, never to the single-page app. */
const SERVER_PREFIXES = ['/api', '/socket.io', '/health', '/docs', '/metrics'];

/** The built UI, whether this file runs from source (ts-node, Jest) or from dist/. */
export function findWebDist(): string | null {
  const candidates = [
    resolve(__dirname, '../../web/dist'),
    resolve(__dirname, '../../../../apps/web/dist'),
    resolve(process.cwd(), 'apps/web/dist'),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? null;
}

function isServerPath(path: string): boolean {
  return SERVER_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}-`));
}

type CspDirectives = NonNullable<Exclude<HelmetOptions['contentSecurityPolicy'], boolean | undefined>['directives']>;

/**
 * What the built UI needs and nothing more: its own scripts, stylesheet and socket (same-origin
 * ws/wss is 'self'), the data: favicon. No inline script or style, nothing may frame it.
 */
export const APP_CSP: CspDirectives = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  // Herald may be reached over plain HTTP (tests, a TLS proxy in front): upgrading would break that.
  upgradeInsecureRequests: null,
};

/** Swagger UI at /docs sets inline styles on its elements. */
export const DOCS_CSP: CspDirectives = { ...APP_CSP, styleSrc: ["'self'", "'unsafe-inline'"] };

/**
 * Security headers on every answer (page, assets, API JSON, /docs): the CSP above, X-Frame-Options
 * DENY, nosniff, Referrer-Policy same-origin, and helmet's other defaults except HSTS, which belongs to
 * whatever terminates TLS (pinned over plain HTTP it would lock a deployment out of its own address).
 */
export function securityHeaders(): RequestHandler {
  const common: HelmetOptions = {
    strictTransportSecurity: false,
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
  };
  const app = helmet({ ...common, contentSecurityPolicy: { useDefaults: false, directives: APP_CSP } });
  const docs = helmet({ ...common, contentSecurityPolicy: { useDefaults: false, directives: DOCS_CSP } });
  return (req, res, next) => (req.path === '/docs' || req.path.startsWith('/docs/') || req.path.startsWith('/docs-') ? docs : app)(req, res, next);
}

/**
 * Serves the staff UI at `/` when it has been built: hashed assets cached for a year, index.html
 * never cached, and index.html for any other page a browser navigates to (client-side routes).
 */
export function serveWebUi(app: NestExpressApplication, dist: string | null = findWebDist()): boolean {
  if (!dist) return false;
  const assets = serveStatic(dist, {
    index: false,
    setHeaders: (res, file) => {
      res.setHeader('Cache-Control', file.includes(`${join(dist, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  // The server's own paths never look on disk: the static server stat()ed a file for every API GET (a thread-pool
  // round trip per inbox read, presence check or probe) only to find nothing there.
  app.use((req: Request, res: Response, next: NextFunction) => (isServerPath(req.path) ? next() : assets(req, res, next)));
  const indexHtml = join(dist, 'index.html');
  app.use((req: Request, res: Response, next: NextFunction) => {
    // Only page navigations get the app; API clients keep their JSON 404s.
    if ((req.method !== 'GET' && req.method !== 'HEAD') || isServerPath(req.path) || !(req.headers.accept ?? '').includes('text/html')) {
      return next();
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(indexHtml);
  });
  return true;
}
