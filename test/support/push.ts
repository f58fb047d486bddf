import type { TestServer } from './server';

/** Creates an API key as the demo admin and returns a function that pushes with it. */
export async function pushClient(server: TestServer, name = 'test-system') {
  const admin = await server.login('admin');
  const created = await server.request('POST', '/api/api-keys', { token: admin.accessToken, body: { name } });
  if (created.status !== 201) throw new Error(`could not create an API key: ${created.status} ${JSON.stringify(created.body)}`);
  const key = created.body.key as string;
  return {
    key,
    keyId: created.body.id as string,
    push: (body: unknown, headers: Record<string, string> = {}) =>
      server.request('POST', '/api/push', { body, headers: { 'x-api-key': key, ...headers } }),
  };
}
