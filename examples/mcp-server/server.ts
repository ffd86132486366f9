/**
 * An MCP server (Model Context Protocol, Streamable HTTP transport) protected by Tessera, the way
 * the MCP authorization specification asks: it is an OAuth protected resource that publishes its
 * RFC 9728 metadata and answers 401 with `WWW-Authenticate: Bearer resource_metadata="…"`, so an
 * MCP client finds Tessera by itself, registers, signs the person in and comes back with a token
 * whose audience is this server (RFC 8707).
 *
 *   TESSERA_ISSUER=http://localhost:3000 MCP_URL=http://127.0.0.1:4100/mcp \
 *   node examples/mcp-server/server.ts
 *
 * See README.md next to this file for the Tessera side (the API resource, registration).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import express from 'express';
import { z } from 'zod';
import { createVerifier, type Principal, protectedResourceMetadata, type Verifier } from '@tessera/verify';
import {
  principalOf,
  requireScope,
  requireToken,
  serveProtectedResourceMetadata,
} from '@tessera/verify/express';

/** The one scope the tools need; the API resource in Tessera must offer it. */
export const MCP_SCOPE = 'mcp:tools';

/** The MCP server of one request, its tools answering for the token's principal. */
const mcpServerFor = (principal: Principal): McpServer => {
  const server = new McpServer({ name: 'tessera-example', version: '0.1.0' });
  server.registerTool(
    'whoami',
    {
      description: 'Who the access token speaks for: its subject, client and scopes.',
      inputSchema: {},
    },
    async () => {
      const { subject, clientId, kind, scopes } = principal;
      const who = { subject, clientId, kind, scopes };
      return { content: [{ type: 'text', text: JSON.stringify(who) }], structuredContent: who };
    },
  );
  server.registerTool(
    'add',
    {
      description: 'Adds two numbers.',
      inputSchema: { a: z.number(), b: z.number() },
    },
    async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }),
  );
  return server;
};

export type McpExampleOptions = {
  verifier: Verifier;
  /** The server's URL as clients call it, e.g. https://mcp.example.test/mcp: the resource identifier. */
  url: string;
};

/** The express app: RFC 9728 metadata, then the MCP endpoint behind requireToken and requireScope. */
export const createMcpExample = ({ verifier, url }: McpExampleOptions): express.Express => {
  const path = new URL(url).pathname;
  // The resource is the MCP server's own URL: clients check it against the URL they called, and
  // send it as RFC 8707 `resource`, so Tessera's tokens carry it as their audience.
  const metadata = protectedResourceMetadata({
    verifier,
    resource: url,
    scopesSupported: [MCP_SCOPE],
    resourceName: 'Tessera example MCP server',
  });

  const app = express();
  app.disable('x-powered-by');
  app.use(serveProtectedResourceMetadata(metadata));
  app.use(
    path,
    requireToken(verifier, { resourceMetadata: metadata }),
    requireScope(MCP_SCOPE),
    express.json({ limit: '64kb' }),
  );

  // Stateless Streamable HTTP: every POST gets its own server and transport, so any instance of
  // the API can answer any request and nothing is kept between them.
  app.post(path, async (req, res) => {
    const server = mcpServerFor(principalOf(req));
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    // As a plain IncomingMessage: the principal reaches the tools by closure, not as `req.auth`.
    await transport.handleRequest(req as IncomingMessage, res, req.body);
  });

  // Without sessions there is no stream to open (GET) or session to end (DELETE).
  app.all(path, (_req, res) => {
    res
      .status(405)
      .set('allow', 'POST')
      .json({
        jsonrpc: '2.0',
        error: { code: -32000, message: 'this server is stateless: POST JSON-RPC messages only' },
        id: null,
      });
  });
  // A body express.json could not read is a JSON-RPC parse error, not express's HTML page.
  app.use((error: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    const status = (error as { status?: number }).status;
    if (res.headersSent || !status || status >= 500) return next(error);
    res
      .status(status)
      .json({ jsonrpc: '2.0', error: { code: -32700, message: 'the body is not valid JSON' }, id: null });
  });
  return app;
};

/** Listens on `port` (0: any) and answers the server; its URL is known only once it listens. */
export const listenMcpExample = async (options: {
  issuer: string;
  url?: string;
  host?: string;
  port?: number;
  introspection?: { clientId: string; clientSecret: string };
}): Promise<{ server: Server; url: string }> => {
  const server = createServer();
  await new Promise<void>((ready) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', ready));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = options.url ?? `http://${options.host ?? '127.0.0.1'}:${port}/mcp`;
  const verifier = createVerifier({
    issuer: options.issuer,
    audience: url,
    ...(options.introspection ? { introspection: options.introspection } : {}),
  });
  server.on('request', createMcpExample({ verifier, url }));
  return { server, url };
};

if (import.meta.main) {
  const issuer = process.env.TESSERA_ISSUER ?? 'http://localhost:3000';
  const { MCP_CLIENT_ID: clientId, MCP_CLIENT_SECRET: clientSecret } = process.env;
  const { url } = await listenMcpExample({
    issuer,
    port: Number(process.env.PORT ?? 4100),
    ...(process.env.MCP_URL ? { url: process.env.MCP_URL } : {}),
    // Without these only JWTs are accepted; with them opaque tokens too.
    ...(clientId && clientSecret ? { introspection: { clientId, clientSecret } } : {}),
  });
  console.log(`example MCP server on ${url}, trusting ${issuer}`);
}
