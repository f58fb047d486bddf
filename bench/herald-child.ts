/**
 * Runs the built Herald server in this process, exactly as `node dist/apps/server/src/main.js`
 * does, plus one thing: it stops when the bench runner (its parent, over IPC) goes away, so a
 * killed bench leaves no server behind. With BENCH_EMBEDDED_DATABASE_URL it uses that embedded
 * database (PGlite behind a socket) instead, the way the tests' fallback does.
 */
import { join } from 'node:path';

const embeddedUrl = process.env.BENCH_EMBEDDED_DATABASE_URL;

process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));

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
