import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
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

/**
 * Serves the staff UI at `/` when it has been built: hashed assets cached for a year, index.html
 * never cached, and index.html for any other page a browser navigates to (client-side routes).
 */
export function serveWebUi(app: NestExpressApplication, dist: string | null = findWebDist()): boolean {
  if (!dist) return false;
  app.useStaticAssets(dist, {
    index: false,
    setHeaders: (res, file) => {
      res.setHeader('Cache-Control', file.includes(`${join(dist, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
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
