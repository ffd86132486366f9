import { basicAuth, type Credentials } from './targets.ts';

/**
 * Real tokens from a server's token endpoint, `concurrency` requests at a time: the tokens that
 * introspection is measured on are issued the way clients get them.
 */
export const mintTokens = async (
  url: string,
  credentials: Credentials,
  request: { resource: string; scope: string },
  count: number,
  concurrency = 32,
): Promise<string[]> => {
  const tokens: string[] = [];
  const body = new URLSearchParams({ grant_type: 'client_credentials', ...request }).toString();
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    authorization: basicAuth(credentials),
  };
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      const response = await fetch(`${url}/token`, { method: 'POST', headers, body });
      const json = (await response.json()) as { access_token?: string };
      if (!response.ok || !json.access_token)
        throw new Error(`token request failed (${response.status}): ${JSON.stringify(json)}`);
      tokens.push(json.access_token);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return tokens;
};

/**
 * One introspection before a load: a run of `{"active": false}` answers is all 200s, so a wrong
 * fixture would pass for fast. Fails unless the token is active; returns the answer.
 */
export const introspectActive = async (
  url: string,
  credentials: Credentials,
  token: string,
): Promise<Record<string, unknown>> => {
  const response = await fetch(`${url}/token/introspection`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basicAuth(credentials),
    },
    body: new URLSearchParams({ token }).toString(),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok || json.active !== true)
    throw new Error(
      `introspection of ${token.slice(0, 12)}… answered ${response.status}: ${JSON.stringify(json)}`,
    );
  return json;
};
