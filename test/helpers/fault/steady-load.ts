/**
 * Clients that keep a deployment busy while a test restarts or rotates something under them, and
 * count every error they see.
 */
import { basicAuth, form, OPAQUE_API } from '../tessera-setup.ts';

export type Load = { ok: number; errors: string[]; stop: () => Promise<void> };

/**
 * `workers` clients in a loop: a client-credentials token, then its introspection; and one
 * platform syncing a resource through the management API with an administrator's PAT.
 */
export const steadyLoad = (
  url: string,
  client: { client_id: string; client_secret: string },
  introspector: { client_id: string; client_secret: string },
  admin: string,
  workers: number,
): Load => {
  const load: Load = { ok: 0, errors: [], stop: async () => {} };
  let running = true;
  const post = async (path: string, who: typeof client, values: Record<string, string>) => {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(who) },
      body: form(values),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${path} ${response.status}: ${text.slice(0, 200)}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  const loop = async () => {
    while (running) {
      try {
        const issued = await post('/token', client, {
          grant_type: 'client_credentials',
          resource: OPAQUE_API,
          scope: 'instances:read-only',
        });
        const answer = await post('/token/introspection', introspector, {
          token: String(issued.access_token),
        });
        if (answer.active !== true) throw new Error(`introspection: ${JSON.stringify(answer)}`);
        load.ok += 1;
      } catch (error) {
        load.errors.push(`${new Date().toISOString()} ${(error as Error).message}`);
      }
    }
  };
  // PUT is never replayed by the configuration (only connection failures are retried): these
  // requests pass only if no instance ever closes a connection a request is being sent on.
  const sync = async () => {
    let name = 0;
    while (running) {
      try {
        const response = await fetch(`${url}/v1/resources/groups/7`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
          body: JSON.stringify({ name: `group ${(name += 1)}`, parent: null }),
        });
        const text = await response.text();
        if (![200, 201].includes(response.status))
          throw new Error(`PUT ${response.status}: ${text.slice(0, 200)}`);
        load.ok += 1;
      } catch (error) {
        load.errors.push(`${new Date().toISOString()} ${(error as Error).message}`);
      }
    }
  };
  const loops = [...Array.from({ length: workers }, loop), sync()];
  load.stop = async () => {
    running = false;
    await Promise.all(loops);
  };
  return load;
};
