import type { TestServer } from './server';

/** Creates Mia, a second manager (so a two-step request needs no admin), and records her token and id under `mia`. */
export async function addSecondManager(server: TestServer, tokens: Record<string, string>, ids: Record<string, string>): Promise<void> {
  const res = await server.request('POST', '/api/users', { token: tokens.admin, body: { username: 'mia', password: 'mia-password-1', displayName: 'Mia', roles: ['manager'] } });
  if (res.status !== 201) throw new Error(`creating mia: ${res.status} ${JSON.stringify(res.body)}`);
  const mia = await server.login('mia', 'mia-password-1');
  tokens.mia = mia.accessToken;
  ids.mia = mia.user.id;
}
