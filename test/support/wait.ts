import { HeraldClient, MemoryCursorStorage } from '@herald/client';
import { sleep } from './sockets';

/** Polls `check` (sync or async) every `everyMs` until it holds; throws `timed out waiting for <what>` after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000, everyMs = 25): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A HeraldClient on websocket only with an in-memory cursor: one device of a test user. */
export function testClient(url: string, token: () => string): HeraldClient {
  return new HeraldClient({ url, getToken: async () => token(), storage: new MemoryCursorStorage(), socketOptions: { transports: ['websocket'] } });
}
