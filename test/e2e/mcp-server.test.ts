import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { auth, type OAuthClientProvider, UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { decodeJwt } from 'jose';
import type { Browser } from 'playwright-core';
import { listenMcpExample, MCP_SCOPE } from '../../examples/mcp-server/server.ts';
import { chromiumSkipReason, launchChromium } from '../helpers/browser.ts';
import { type HttpsDocuments, serveHttpsDocuments } from '../helpers/https-documents.ts';
import { createUser } from '../helpers/platform-setup.ts';
import {
  cliJson,
  freePort,
  startTessera,
  suiteScope,
  testEnv,
  type TesseraInstance,
} from '../helpers/tessera-process.ts';

/**
 * The example MCP server (examples/mcp-server) and the official MCP SDK client, end to end: the
 * client calls the server, gets 401 with `resource_metadata` (RFC 9728), discovers Tessera from it
 * (RFC 9728 → RFC 8414), gets a client, sends a person through Tessera's real sign-in and consent
 * pages in Chromium, receives a token for the server's URL (RFC 8707 `resource` → `aud`), and calls
 * the tools. Nothing in the client knows Tessera's URL beforehand.
 */
const PASSWORD = 'correct horse battery staple';

/** An OAuthClientProvider as a command-line MCP client keeps one: in memory, one person. */
class MemoryProvider implements OAuthClientProvider {
  authorizationUrl: URL | undefined;
  private information: OAuthClientInformationMixed | undefined;
  private saved: OAuthTokens | undefined;
  private verifier = '';
  readonly redirectUrl: string;
  readonly clientMetadata: OAuthClientMetadata;
  readonly clientMetadataUrl: string | undefined;

  constructor(options: {
    redirectUrl: string;
    information?: OAuthClientInformationMixed;
    clientMetadataUrl?: string;
  }) {
    this.redirectUrl = options.redirectUrl;
    this.information = options.information;
    this.clientMetadataUrl = options.clientMetadataUrl;
    this.clientMetadata = {
      client_name: 'MCP test client',
      redirect_uris: [options.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      // A loopback redirect URI is a native application's (RFC 8252 §7.3).
      application_type: 'native',
    } as OAuthClientMetadata;
  }

  clientInformation() {
    return this.information;
  }
  saveClientInformation(information: OAuthClientInformationMixed) {
    this.information = information;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

describe(
  'an MCP client signs a person in through Tessera and calls the example MCP server',
  {
    skip: chromiumSkipReason(),
  },
  () => {
    const scope = suiteScope(after);
    let tessera: TesseraInstance;
    let browser: Browser;
    let mcp: { server: Server; url: string };
    let callback: string;
    let preRegistered: { client_id: string };
    let aliceId: string;
    let documents: HttpsDocuments;

    before(async () => {
      // Tessera's URL is fixed first: the MCP server trusts it, and Tessera must know the MCP
      // server's URL (its API identifier) before it starts.
      const port = await freePort();
      const issuer = `http://127.0.0.1:${port}`;
      mcp = await listenMcpExample({ issuer });
      scope.after(
        () =>
          new Promise<void>((closed) => {
            mcp.server.closeAllConnections();
            mcp.server.close(() => closed());
          }),
      );
      // The client's loopback redirect URI: never served, the browser's request to it is the answer.
      callback = `http://127.0.0.1:${await freePort()}/callback`;
      // Where a client publishes its Client ID Metadata Document (https; loopback allowed below).
      documents = await serveHttpsDocuments(scope);
      const env = testEnv(scope, {
        PORT: String(port),
        // MCP clients register themselves (RFC 7591), or name their metadata document as
        // client_id; either way for this API only.
        TESSERA_REGISTRATION: 'open',
        TESSERA_CLIENT_ID_METADATA_DOCUMENTS: 'on',
        TESSERA_REGISTRATION_RESOURCES: mcp.url,
        TESSERA_OUTBOUND_ALLOW_HOSTS: documents.host,
        NODE_EXTRA_CA_CERTS: documents.certFile,
      });
      await cliJson(env, [
        'api-resources',
        'create',
        '--identifier',
        mcp.url,
        '--name',
        'Example MCP server',
        '--format',
        'jwt',
        '--scopes',
        MCP_SCOPE,
        '--ttl',
        '300',
      ]);
      [preRegistered, aliceId] = await Promise.all([
        cliJson<{ client_id: string }>(env, [
          'clients',
          'create',
          '--name',
          'MCP test client',
          '--type',
          'native',
          '--grant-types',
          'authorization_code,refresh_token',
          '--redirect-uris',
          callback,
          '--resources',
          mcp.url,
          '--scopes',
          MCP_SCOPE,
        ]),
        createUser(env, 'alice'),
      ]);
      tessera = await startTessera(scope, env);
      assert.equal(tessera.url, issuer);
      browser = await launchChromium(scope);
    });

    /** Signs alice in (and allows the consent when asked) at `url`; answers the callback's code. */
    const signIn = async (url: URL, clientName: string): Promise<string> => {
      const context = await browser.newContext();
      scope.after(() => context.close());
      const page = await context.newPage();
      let returned: URL | undefined;
      await page.route(`${callback}**`, async (route) => {
        returned = new URL(route.request().url());
        await route.fulfill({ status: 200, contentType: 'text/plain', body: 'signed in' });
      });
      await page.goto(url.href);
      await page.getByLabel('Username').fill('alice');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
      const consent = await page.locator('main').innerText();
      assert.match(consent, /Example MCP server/);
      assert.ok(consent.includes(clientName), consent);
      assert.match(consent, new RegExp(MCP_SCOPE));
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL(`${callback}**`);
      assert.ok(returned, 'the browser came back to the redirect URI');
      assert.equal(returned.searchParams.get('iss'), tessera.url, 'RFC 9207 iss');
      const code = returned.searchParams.get('code');
      assert.ok(code, `the callback carries a code: ${returned.href}`);
      return code;
    };

    const connect = async (provider: MemoryProvider) => {
      const client = new Client({ name: 'tessera-e2e', version: '0.0.0' });
      const transport = new StreamableHTTPClientTransport(new URL(mcp.url), { authProvider: provider });
      await client.connect(transport);
      scope.after(() => client.close());
      return client;
    };

    /** The whole flow with the SDK: 401 → discovery → (registration) → sign-in → token → tools. */
    const signInAndCallTools = async (provider: MemoryProvider, clientName = 'MCP test client') => {
      // The first call has no token: the SDK follows the challenge to Tessera and asks for a redirect.
      await assert.rejects(connect(provider), UnauthorizedError);
      const authorizationUrl = provider.authorizationUrl;
      assert.ok(authorizationUrl, 'the SDK sent the person to an authorization endpoint');
      assert.equal(authorizationUrl.origin, tessera.url, 'found through the resource metadata');
      assert.equal(authorizationUrl.searchParams.get('resource'), mcp.url, 'RFC 8707 resource');
      assert.equal(authorizationUrl.searchParams.get('scope'), MCP_SCOPE, 'scopes_supported of the metadata');
      assert.equal(authorizationUrl.searchParams.get('code_challenge_method'), 'S256');

      const code = await signIn(authorizationUrl, clientName);
      assert.equal(await auth(provider, { serverUrl: mcp.url, authorizationCode: code }), 'AUTHORIZED');
      const tokens = provider.tokens();
      assert.ok(tokens?.access_token);
      const claims = decodeJwt(tokens.access_token);
      assert.equal(claims.aud, mcp.url, 'the token is for the MCP server only');
      assert.equal(claims.sub, aliceId);
      assert.equal(claims.iss, tessera.url);

      const client = await connect(provider);
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((tool) => tool.name).sort(), ['add', 'whoami']);
      const whoami = await client.callTool({ name: 'whoami', arguments: {} });
      const clientId = provider.clientInformation()?.client_id;
      assert.deepEqual(whoami.structuredContent, {
        subject: aliceId,
        clientId,
        kind: 'client',
        scopes: [MCP_SCOPE],
      });
      const sum = await client.callTool({ name: 'add', arguments: { a: 2, b: 40 } });
      assert.deepEqual(sum.content, [{ type: 'text', text: '42' }]);

      // Later, the SDK refreshes without the person (the refresh token rotates), for the same server.
      assert.ok(tokens.refresh_token, 'a refresh token came with the access token');
      assert.equal(await auth(provider, { serverUrl: mcp.url }), 'AUTHORIZED');
      const refreshed = provider.tokens();
      assert.ok(refreshed && refreshed.access_token !== tokens.access_token);
      assert.notEqual(refreshed.refresh_token, tokens.refresh_token, 'refresh tokens rotate');
      assert.equal(decodeJwt(refreshed.access_token).aud, mcp.url);
      const again = await (await connect(provider)).callTool({ name: 'add', arguments: { a: 1, b: 1 } });
      assert.deepEqual(again.content, [{ type: 'text', text: '2' }]);
      return { tokens, clientId };
    };

    test('the server answers 401 naming its metadata, which names Tessera', async () => {
      const response = await fetch(mcp.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      assert.equal(response.status, 401);
      const challenge = String(response.headers.get('www-authenticate'));
      const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
      assert.equal(metadataUrl, `${new URL(mcp.url).origin}/.well-known/oauth-protected-resource/mcp`);
      const metadata = (await (await fetch(metadataUrl)).json()) as Record<string, unknown>;
      assert.deepEqual(metadata.authorization_servers, [tessera.url]);
      assert.equal(metadata.resource, mcp.url);
      // RFC 8414 metadata at the issuer, as the SDK looks for it first.
      const server = (await (
        await fetch(`${tessera.url}/.well-known/oauth-authorization-server`)
      ).json()) as {
        issuer: string;
        code_challenge_methods_supported: string[];
        registration_endpoint?: string;
        client_id_metadata_document_supported?: boolean;
      };
      assert.equal(server.issuer, tessera.url);
      assert.ok(server.code_challenge_methods_supported.includes('S256'));
      // What the SDK looks at to pick how to get a client.
      assert.equal(server.registration_endpoint, `${tessera.url}/reg`);
      assert.equal(server.client_id_metadata_document_supported, true);
    });

    test('a pre-registered client: sign-in, a token for the server, tool calls', async () => {
      const provider = new MemoryProvider({
        redirectUrl: callback,
        information: { client_id: preRegistered.client_id },
      });
      const { clientId } = await signInAndCallTools(provider);
      assert.equal(clientId, preRegistered.client_id);
    });

    test('a client that registers itself (RFC 7591) at the endpoint discovery names', async () => {
      const provider = new MemoryProvider({ redirectUrl: callback });
      const { clientId } = await signInAndCallTools(provider);
      assert.ok(clientId && clientId !== preRegistered.client_id, 'a new client was registered');
      const information = provider.clientInformation() as Record<string, unknown>;
      assert.equal(information.client_secret, undefined, 'open registration gives public clients only');
      assert.equal(information.token_endpoint_auth_method, 'none');
      assert.deepEqual(information.redirect_uris, [callback]);
    });

    test('a client whose client_id is the https URL of its metadata document', async () => {
      const clientId = `${documents.origin}/mcp-client.json`;
      documents.put('/mcp-client.json', {
        client_id: clientId,
        client_name: 'MCP document client',
        redirect_uris: [callback],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
        application_type: 'native',
      });
      const provider = new MemoryProvider({ redirectUrl: callback, clientMetadataUrl: clientId });
      const { clientId: used } = await signInAndCallTools(provider, 'MCP document client');
      assert.equal(used, clientId, 'the SDK used the document URL as client_id, without registering');
      assert.ok(documents.fetched.includes('/mcp-client.json'), 'Tessera fetched the document');
    });
  },
);
