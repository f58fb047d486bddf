/**
 * Runs the built Herald server in this process, exactly as `node dist/apps/server/src/main.js`
 * does, plus two things: it stops when the bench runner (its parent, over IPC) goes away, so a
 * killed bench leaves no server behind; and, started with --expose-gc, it runs a full garbage
 * collection when the bench asks (`{type: 'bench:gc'}` over IPC) before a memory reading. With
 * BENCH_EMBEDDED_DATABASE_URL it uses that embedded database (PGlite behind a socket) instead, the
 * way the tests' fallback does.
 */
import { join } from 'node:path';

const embeddedUrl = process.env.BENCH_EMBEDDED_DATABASE_URL;

process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));

// Before a memory reading the bench asks for a full collection (only possible with --expose-gc), so the
// readings of Herald and of the baseline are taken in the same state. Herald itself never uses the IPC channel.
process.on('message', (message: { type?: unknown } | null) => {
  if (message?.type !== 'bench:gc') return;
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  process.send?.({ type: 'bench:gc-done', ok: gc !== undefined });
});

if (!embeddedUrl) {
  require(join(__dirname, '..', 'apps', 'server', 'src', 'main.js'));
} else {
  const { startHerald } = require(join(__dirname, '..', 'apps', 'server', 'src', 'herald.js')) as typeof import('../apps/server/src/herald');
  startHerald(process.env, { embeddedDatabaseUrl: embeddedUrl }).then(
    (herald) => {
      const stop = () => herald.close().then(() => process.exit(0), () => process.exit(1));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    },
    (err: unknown) => {
      console.error('herald: failed to start:', err);
      process.exit(1);
    },
  );
}
