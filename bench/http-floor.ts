/**
 * http-floor: what one HTTP request costs each server before any push work, so the unicast ratios can be read
 * against it. Herald answers a public GET that reads nothing (`/api/meta`: every middleware, guard, interceptor
 * and the access logger run; no database, no validation); the bare server answers its whole push (`POST /emit`
 * to an empty room). The same keep-alive client sends both, 32 requests in flight; the figure is the server
 * process's CPU (user + system, all threads) over the requests.
 */
import { Agent, request } from 'node:http';
import { cpuSeconds } from './processes';
import type { RunningServer } from './servers';

export const HTTP_FLOOR = 'http-floor';

const REQUESTS = 5000;
const WARM_UP = 500;
const IN_FLIGHT = 32;

export interface HttpFloorResult {
  heraldUsPerRequest: number;
  bareUsPerRequest: number;
}

function once(agent: Agent, url: string, method: 'GET' | 'POST', body?: string): Promise<number> {
  return new Promise((resolve) => {
    const headers = body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {};
    const req = request(url, { method, agent, headers }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', () => resolve(0));
    req.end(body);
  });
}

/** Server CPU microseconds per request of `REQUESTS` (after a warm-up); throws unless every answer was `status`. */
async function cpuPerRequest(pid: number, url: string, method: 'GET' | 'POST', status: number, body?: string): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  try {
    for (let i = 0; i < WARM_UP; i++) await once(agent, url, method, body);
    const before = cpuSeconds(pid);
    let next = 0;
    let wrong = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next++ < REQUESTS) if ((await once(agent, url, method, body)) !== status) wrong++;
      }),
    );
    const used = cpuSeconds(pid) - before;
    if (wrong) throw new Error(`${wrong} of ${REQUESTS} answers to ${method} ${url} were not ${status}`);
    return (used * 1e6) / REQUESTS;
  } finally {
    agent.destroy();
  }
}

export async function runHttpFloor(herald: RunningServer, baseline: RunningServer): Promise<HttpFloorResult> {
  console.log(`\n${HTTP_FLOOR}: ${REQUESTS} requests to each server, ${IN_FLIGHT} in flight`);
  const heraldUsPerRequest = await cpuPerRequest(herald.pid, `${herald.url}/api/meta`, 'GET', 200);
  const bareUsPerRequest = await cpuPerRequest(baseline.pid, `${baseline.url}/emit`, 'POST', 202, JSON.stringify({ room: 'nobody', event: 'notification', payload: { title: 'floor' } }));
  return { heraldUsPerRequest, bareUsPerRequest };
}

export function printHttpFloor(r: HttpFloorResult | undefined): void {
  if (!r) return;
  console.log('\nHTTP floor (server CPU per request, before any push work):');
  console.log(`  Herald GET /api/meta (middleware, guards, access logger; no database)  ${r.heraldUsPerRequest.toFixed(0).padStart(5)} us`);
  console.log(`  bare Socket.IO POST /emit (its whole push, to an empty room)           ${r.bareUsPerRequest.toFixed(0).padStart(5)} us`);
  console.log(
    `  ratio ${(r.heraldUsPerRequest / r.bareUsPerRequest).toFixed(2)}x: before it does any push work, a Herald request costs this many times the bare server's whole request (no socket written).`,
  );
}
