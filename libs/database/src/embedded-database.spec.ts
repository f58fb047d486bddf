import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireDirectoryLock, EmbeddedDatabaseLockedError } from './embedded-database';

describe('acquireDirectoryLock (one process per embedded data folder)', () => {
  let dir: string;
  const lockFile = () => join(dir, 'herald.lock');
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'herald-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes our pid and removes the lock on release (twice is harmless)', () => {
    const release = acquireDirectoryLock(dir);
    expect(readFileSync(lockFile(), 'utf8')).toBe(String(process.pid));
    release();
    expect(existsSync(lockFile())).toBe(false);
    release();
    // Free again: it can be taken once more.
    acquireDirectoryLock(dir)();
  });

  it('refuses a lock held by a live process, naming it and what to do', () => {
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      writeFileSync(lockFile(), String(holder.pid));
      expect(() => acquireDirectoryLock(dir)).toThrow(EmbeddedDatabaseLockedError);
      expect(() => acquireDirectoryLock(dir)).toThrow(new RegExp(`in use by process ${holder.pid}.*DATABASE_URL`));
      expect(readFileSync(lockFile(), 'utf8')).toBe(String(holder.pid));
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('refuses a second lock within the same process', () => {
    const release = acquireDirectoryLock(dir);
    try {
      expect(() => acquireDirectoryLock(dir)).toThrow(/already open in this process/);
    } finally {
      release();
    }
  });

  it('takes over a stale lock left by a process that died', () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(lockFile(), dead.stdout);
    const release = acquireDirectoryLock(dir);
    expect(readFileSync(lockFile(), 'utf8')).toBe(String(process.pid));
    release();
  });

  it('takes over a lock file with garbage in it', () => {
    writeFileSync(lockFile(), 'not a pid');
    const release = acquireDirectoryLock(dir);
    expect(readFileSync(lockFile(), 'utf8')).toBe(String(process.pid));
    release();
  });
});
