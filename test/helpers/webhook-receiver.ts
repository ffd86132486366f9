import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP webhook receiver on a private loopback port. `answer` decides each response: a
 * status, or 'hang' (never answer: the sender times out). It can go down (the port closes) and
 * come back on the same port.
 */
export type ReceivedWebhook = {
  headers: IncomingHttpHeaders;
  body: string;
  json: { type: string; data: unknown };
};

export type WebhookReceiver = {
  url: string;
  received: ReceivedWebhook[];
  answer: (request: ReceivedWebhook, index: number) => number | 'hang';
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
};

export const startWebhookReceiver = async (): Promise<WebhookReceiver> => {
  let server: Server | undefined;
  let port = 0;
  const hanging = new Set<ServerResponse>();
  const receiver: WebhookReceiver = {
    url: '',
    received: [],
    answer: () => 204,
    async down() {
      for (const response of hanging) response.destroy();
      hanging.clear();
      const closing = server;
      server = undefined;
      if (closing) {
        closing.closeAllConnections();
        await new Promise<void>((resolve) => closing.close(() => resolve()));
      }
    },
    async up() {
      server = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const webhook: ReceivedWebhook = {
            headers: request.headers,
            body,
            json: JSON.parse(body) as ReceivedWebhook['json'],
          };
          const index = receiver.received.length;
          receiver.received.push(webhook);
          const answer = receiver.answer(webhook, index);
          if (answer === 'hang') {
            hanging.add(response);
            return;
          }
          response.statusCode = answer;
          response.end();
        });
      });
      await new Promise<void>((resolve) => server?.listen(port, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
      receiver.url = `http://127.0.0.1:${port}/hooks`;
    },
    close: () => receiver.down(),
  };
  await receiver.up();
  return receiver;
};
