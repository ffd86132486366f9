import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { pino } from 'pino';
import type { TokenRequestRules } from '../../../../src/domain/access-tokens/token-request.ts';
import type { Actor, RequestMeta } from '../../../../src/domain/actors.ts';
import { requestId } from '../../../../src/http/middleware/request-id.ts';
import { createManagementApi } from '../../../../src/http/v1/create-management-api.ts';
import { createFakeServices } from './fake-services.ts';

export const ISSUER = 'https://id.example.test';

export type Reply = { status: number; headers: Headers; text: string; json: () => Record<string, unknown> };

/**
 * A real koa app on a free port with the management API over fake services and a fake
 * authenticate: `tokenWith(scopes)` makes a bearer that resolves to a user holding those scopes.
 */
export const startManagementApi = async (options: { tokenRules?: TokenRequestRules } = {}) => {
  const services = createFakeServices();
  const actors = new Map<string, Actor>();
  const authentications: { token: string; meta: RequestMeta }[] = [];
  let minted = 0;
  const tokenWith = (scopes: string[], kind: 'user' | 'bot' | 'client' = 'user'): string => {
    const token = `fake-bearer-${++minted}`;
    const credential = { type: 'personal' as const, tokenId: `tok_bearer${minted}`, scopes, expiresAt: null };
    actors.set(token, { kind, id: kind === 'bot' ? 'bot_deploy' : 'usr_alice', credential, meta: {} });
    return token;
  };

  const logLines: string[] = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => void logLines.push(line) });

  const app = new Koa();
  app.use(requestId);
  app.use(
    createManagementApi({
      ...services,
      issuer: ISSUER,
      tokenRules: options.tokenRules,
      logger,
      checkResponses: true,
      authenticate: async (token, meta) => {
        authentications.push({ token, meta });
        return actors.get(token);
      },
    }),
  );
  app.use((ctx) => {
    ctx.body = 'outside the management API';
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const request = async (
    method: string,
    path: string,
    options: {
      token?: string;
      json?: unknown;
      body?: string | Buffer;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Reply> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${url}${path}`, { method, headers, body });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
  };

  return {
    url,
    services,
    calls: services.calls,
    authentications,
    logLines,
    tokenWith,
    request,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
};

export type ManagementApiServer = Awaited<ReturnType<typeof startManagementApi>>;
