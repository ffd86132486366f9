import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Scope } from './tessera-process.ts';

/**
 * JSON documents served over https from 127.0.0.1, as a client publishes its Client ID Metadata
 * Document: a self-signed certificate made with openssl, which Tessera trusts through
 * NODE_EXTRA_CA_CERTS (`certFile`); its host must be allowed by TESSERA_OUTBOUND_ALLOW_HOSTS
 * (`host`), since Tessera refuses to fetch from loopback addresses otherwise.
 */
export type HttpsDocuments = {
  origin: string;
  host: string;
  certFile: string;
  /** Serves `document` at `path` from now on. */
  put(path: string, document: unknown): void;
  /** Answers `path` with this status and body from now on (a redirect, an error). */
  answer(path: string, status: number, body?: string): void;
  /** The paths requested so far, in order. */
  fetched: string[];
};

export const serveHttpsDocuments = async (scope: Scope): Promise<HttpsDocuments> => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-https-'));
  scope.after(() => rmSync(dir, { recursive: true, force: true }));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      // localhost too: a fetch by that name that the guard let through would then be seen.
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  const documents = new Map<string, { status: number; body: string }>();
  const fetched: string[] = [];
  const server = createServer(
    { key: readFileSync(keyFile), cert: readFileSync(certFile) },
    (request, response) => {
      const path = String(request.url);
      fetched.push(path);
      const answer = documents.get(path);
      if (answer === undefined) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(answer.status, {
        'content-type': 'application/json',
        'cache-control': 'max-age=60',
      });
      response.end(answer.body);
    },
  );
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  scope.after(
    () =>
      new Promise<void>((closed) => {
        server.closeAllConnections();
        server.close(() => closed());
      }),
  );
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin: `https://${host}`,
    host,
    certFile,
    put: (path, document) => documents.set(path, { status: 200, body: JSON.stringify(document) }),
    answer: (path, status, body = '') => documents.set(path, { status, body }),
    fetched,
  };
};
