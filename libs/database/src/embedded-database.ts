import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';

export interface EmbeddedDatabase {
  /** postgres:// URL that `pg` can connect to. */
  readonly url: string;
  /** Absolute folder holding the data files. */
  readonly dataDir: string;
  stop(): Promise<void>;
}

export class EmbeddedDatabaseLockedError extends Error {}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes an exclusive lock file in `dir`. A lock left by a process that no longer runs is taken
 * over; one held by a live process is refused, because two PGlite instances on one folder
 * corrupt it.
 */
export function acquireDirectoryLock(dir: string): () => void {
  const lockPath = resolve(dir, 'herald.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        rmSync(lockPath, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number.parseInt(readFileSync(lockPath, 'utf8').trim(), 10);
      if (Number.isInteger(holder) && holder !== process.pid && processAlive(holder)) {
        throw new EmbeddedDatabaseLockedError(
          `The embedded database in ${dir} is in use by process ${holder}. ` +
            'Stop that process, set DATA_DIR to another folder, or set DATABASE_URL to use PostgreSQL.',
        );
      }
      if (holder === process.pid) {
        throw new EmbeddedDatabaseLockedError(`The embedded database in ${dir} is already open in this process.`);
      }
      rmSync(lockPath, { force: true }); // stale lock of a process that died
    }
  }
  throw new EmbeddedDatabaseLockedError(`Could not lock ${lockPath}; remove it if no Herald process is running.`);
}

/**
 * Starts PGlite (PostgreSQL compiled to WebAssembly) with its data in `dataDir` and serves it
 * over the PostgreSQL wire protocol on 127.0.0.1, so the rest of Herald talks to it with `pg`
 * exactly as to a real server. Loaded lazily: nothing of PGlite is required when DATABASE_URL is set.
 */
export async function startEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const release = acquireDirectoryLock(dir);
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
    const db = await PGlite.create({ dataDir: resolve(dir, 'pgdata') });
    // Several wire connections are multiplexed onto the one PGlite instance; Herald's pool uses one.
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 });
    await server.start();
    const url = `postgresql://postgres@${server.getServerConn()}/postgres?sslmode=disable`;
    let stopped = false;
    return {
      url,
      dataDir: dir,
      async stop() {
        if (stopped) return;
        stopped = true;
        try {
          await server.stop();
          await db.close();
        } finally {
          release();
        }
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}
