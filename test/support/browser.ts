import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

const ROOT = resolve(__dirname, '..', '..');
const DIST = join(ROOT, 'apps/web/dist');
/** Debian's Chromium (never a downloaded one); CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Builds the UI when dist/ is missing or older than its sources (Vite runs in a child: it is ESM-only). */
export function ensureWebBuilt(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { webIsStale } = require('../../scripts/build-if-stale.js') as { webIsStale: () => boolean };
  if (!webIsStale() && existsSync(join(DIST, 'index.html'))) return;
  execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'apps/web/vite.config.ts', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
}

/** Headless Chromium with the flags this closed network needs (no background connections). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
