import { spawn, ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

// Plain CommonJS shared with `npm start`: builds only when dist/ is missing or older than the sources.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildIfStale, SERVER_ENTRY } = require('../../scripts/build-if-stale.js') as {
  buildIfStale(options: { log?: (m: string) => void; web?: boolean }): string[];
  SERVER_ENTRY: string;
};

/** Path of the built server entry (dist/apps/server/src/main.js), built first if stale. */
export function builtServerEntry(): string {
  try {
    buildIfStale({ log: () => undefined, web: false });
  } catch (err) {
    // Outside CI a half-edited tree may not compile; the last good build still proves start-up behaviour.
    if (process.env.CI || !existsSync(SERVER_ENTRY)) throw err;
    process.stderr.write(`[herald tests] the build failed; using the existing ${SERVER_ENTRY}\n`);
  }
  return SERVER_ENTRY;
}

/** A TCP port that was free a moment ago (listen on 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal name) once the process has ended. */
  exited: Promise<number | string>;
}

/** Runs the built server as a child process with exactly `env` (plus PATH and HOME). */
export function runServer(env: Record<string, string | undefined>): ServerProcess {
  const child = spawn(process.execPath, [builtServerEntry()], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { child, output: () => output, exited };
}

/** Polls `url` until it answers 200, the process exits, or `timeoutMs` passes. */
// Generous: a loaded 2-core machine has been seen to take over a minute to boot the built server.
export async function waitForHealthy(url: string, server: ServerProcess, timeoutMs = 150_000): Promise<void> {
  let ended = false;
  void server.exited.then(() => (ended = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (ended) throw new Error(`the server exited before answering ${url}:\n${server.output()}`);
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no answer from ${url} within ${timeoutMs} ms:\n${server.output()}`);
}
