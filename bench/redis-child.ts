/**
 * A private redis-server for the two-instance scenario, as a child of the bench runner: started on
 * the port given as argument (no persistence, in the foreground), it prints one JSON line
 * `{"port": n, "pid": p}` once Redis answers PING. It stops Redis (SIGTERM, then SIGKILL) and exits
 * when told to (SIGTERM/SIGINT) or when the runner goes away, however it goes (the IPC channel
 * closes), so no redis-server outlives the bench. REDIS_SERVER names the binary (default: redis-server).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`redis-child: the first argument must be a TCP port, not ${JSON.stringify(process.argv[2])}`);
  process.exit(2);
}

// Its own working folder, so nothing (not even a stray dump file) lands in the repository.
const dir = mkdtempSync(join(tmpdir(), 'herald-bench-redis-'));
const redis = spawn(
  process.env.REDIS_SERVER || 'redis-server',
  ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir, '--maxclients', '1000', '--loglevel', 'warning'],
  { stdio: ['ignore', 'pipe', 'pipe'] },
);
// Its start-up banner and warnings are kept, and shown only if it fails (they say why); the bench's output stays readable.
const recent: string[] = [];
let ready = false;
for (const stream of [redis.stdout, redis.stderr]) {
  createInterface({ input: stream }).on('line', (line) => {
    // Once it runs, its warnings are news; its goodbye when we stop it is not.
    if (ready) return void (stopping || process.stderr.write(`${line}\n`));
    recent.push(line);
    if (recent.length > 30) recent.shift();
  });
}
const showRecent = () => {
  for (const line of recent.splice(0)) process.stderr.write(`${line}\n`);
};

let stopping = false;
const stop = (code: number) => {
  if (stopping) return;
  stopping = true;
  if (redis.exitCode !== null || redis.signalCode !== null) return finish(code);
  const kill = setTimeout(() => redis.kill('SIGKILL'), 3000);
  redis.once('exit', () => {
    clearTimeout(kill);
    finish(code);
  });
  redis.kill('SIGTERM');
};
const finish = (code: number) => {
  rmSync(dir, { recursive: true, force: true });
  process.exit(code);
};

redis.once('error', (err) => {
  showRecent();
  console.error(`redis-child: could not start redis-server: ${err.message}`);
  stopping = true;
  finish(1);
});
redis.once('exit', (code, signal) => {
  if (stopping) return;
  showRecent();
  console.error(`redis-child: redis-server exited (${signal ?? code}) on its own`);
  stopping = true;
  finish(1);
});
process.once('SIGTERM', () => stop(0));
process.once('SIGINT', () => stop(0));
process.on('disconnect', () => stop(0));

/** One PING over a fresh connection: resolves true on +PONG. */
function ping(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
    socket.setTimeout(500, () => socket.destroy());
    socket.once('data', (chunk) => {
      resolve(chunk.toString().startsWith('+PONG'));
      socket.destroy();
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

void (async () => {
  const deadline = Date.now() + 15_000;
  while (!stopping && Date.now() < deadline) {
    if (await ping()) {
      ready = true;
      recent.length = 0;
      process.stdout.write(`${JSON.stringify({ port, pid: redis.pid })}\n`);
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!stopping) {
    showRecent();
    console.error(`redis-child: redis-server did not answer PING on port ${port} within 15 s`);
    stop(1);
  }
})();
