import type { Config } from '../config/load-config.ts';
import { createSealedBox } from '../crypto/sealed-box.ts';
import { deliverDuePushes, type PushSend } from '../domain/ssf/push-delivery.ts';
import { createSsfService, type SsfService } from '../domain/ssf/stream-service.ts';
import { createWebhookSender } from '../domain/webhooks/webhook-sender.ts';
import type { WebhookUrlPolicy } from '../domain/webhooks/webhook-url.ts';
import type { Logger } from '../logging/create-logger.ts';
import { createSecurityEventSigner, type SecurityEventSigner } from '../oidc/security-event-signer.ts';
import type { SsfQueueRow } from '../storage/tables/ssf-queue.ts';
import type { Services } from './open-services.ts';
import type { RunningProvider } from './provider-runtime.ts';

/**
 * The Shared Signals transmitter's parts: the stream service (for the routes), SET signing with
 * the keys in service now, and the background loop that feeds every stream from the event outbox
 * and pushes due SETs, every half second, on every instance (the queue's locks keep it to one
 * sender per SET).
 */
export type SsfTransmitter = {
  service: SsfService;
  signSet: (streamId: string, aud: string | string[], row: SsfQueueRow) => Promise<string>;
  start: () => () => void;
};

const TICK_MS = 500;
const PUSH_TIMEOUT_MS = 5_000;

/**
 * POSTs a SET with the webhooks' sender: only to public addresses, checked on what the receiver's
 * name resolves to at send time (no SSRF, no DNS rebinding), redirects not followed.
 */
const pushSender =
  (policy: WebhookUrlPolicy): PushSend =>
  async ({ url, set, authorization }) => {
    const result = await createWebhookSender(policy)({
      url,
      headers: {
        'content-type': 'application/secevent+jwt',
        accept: 'application/json',
        ...(authorization ? { authorization } : {}),
      },
      body: set,
      timeoutMs: PUSH_TIMEOUT_MS,
    });
    return result.status === null ? { error: result.error ?? 'no answer' } : { status: result.status };
  };

export const createSsfTransmitter = (deps: {
  config: Pick<Config, 'issuer' | 'webhooks'>;
  services: Services;
  runtime: RunningProvider;
  logger: Logger;
}): SsfTransmitter => {
  const { repositories } = deps.services.storage;
  const sealedBox = createSealedBox(deps.services.secrets.pepper, 'ssf-push-authorization');
  const urlPolicy = { allowHttpLoopback: deps.config.webhooks.allowHttpLoopback };
  const service = createSsfService({ repositories, issuer: deps.config.issuer, sealedBox, urlPolicy });
  const sendPush = pushSender(urlPolicy);

  // One signer per key set: rebuilt when the keys change (rotation), like the provider.
  let signer: { jwks: unknown; signer: SecurityEventSigner } | undefined;
  const currentSigner = () => {
    const jwks = deps.runtime.keys().providerJwks;
    if (signer?.jwks !== jwks) signer = { jwks, signer: createSecurityEventSigner(jwks) };
    return signer.signer;
  };
  const signSet = (_streamId: string, aud: string | string[], row: SsfQueueRow) =>
    currentSigner().sign({
      iss: deps.config.issuer,
      jti: row.jti,
      iat: Math.floor(Date.now() / 1000),
      aud,
      ...row.claims,
    });

  const start = () => {
    let failing = false;
    let running = false;
    const tick = async () => {
      if (running) return;
      running = true;
      try {
        await service.feedAll();
        await deliverDuePushes({
          repositories,
          sealedBox,
          send: sendPush,
          sign: (stream, row) =>
            signSet(stream.id, stream.aud.length === 1 ? (stream.aud[0] as string) : stream.aud, row),
        });
        if (failing) deps.logger.info('shared signals transmitter recovered');
        failing = false;
      } catch (error) {
        // Once per outage, not twice a second: the store's own state change is logged too.
        if (!failing) deps.logger.warn({ err: error }, 'shared signals transmitter failed; retrying');
        failing = true;
      } finally {
        running = false;
      }
    };
    const timer = setInterval(() => void tick(), TICK_MS);
    timer.unref();
    return () => clearInterval(timer);
  };

  return { service, signSet, start };
};
