import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { SsfService } from '../../domain/ssf/stream-service.ts';
import {
  DELIVERY_METHODS,
  EVENTS_SUPPORTED,
  SSF_SCOPE,
  type StreamStatus,
} from '../../domain/ssf/ssf-vocabulary.ts';
import { AppError, forbidden, invalidInput } from '../../errors.ts';
import type { Logger } from '../../logging/create-logger.ts';
import type { SsfQueueRow } from '../../storage/tables/ssf-queue.ts';
import type { BearerAuthenticator } from '../authenticate-bearer.ts';
import { sendProblem } from '../problems/problem-response.ts';
import { authenticateRequest, requireScopes } from '../v1/bearer-authentication.ts';
import { readJsonBody } from '../v1/read-json-body.ts';
import { createPublicEventsOpenApi } from './public-events-openapi.ts';
import {
  parseBody,
  pollInputSchema,
  statusInputSchema,
  streamInputSchema,
  subjectInputSchema,
  verificationInputSchema,
} from './ssf-schemas.ts';

/**
 * Tessera as a Shared Signals transmitter (OpenID SSF 1.0): the metadata at
 * `/.well-known/ssf-configuration`, and for receivers — OAuth clients holding a management API
 * token with the `ssf` scope (client_credentials) — stream configuration, status and verification,
 * and the RFC 8936 poll endpoint of each poll stream. SETs are signed here, when delivered.
 * Errors are RFC 9457 problems.
 */
export const SSF_PATHS = {
  configuration: '/ssf/streams',
  status: '/ssf/status',
  verification: '/ssf/verify',
  addSubject: '/ssf/subjects/add',
  removeSubject: '/ssf/subjects/remove',
  poll: '/ssf/poll',
} as const;

export type SsfRouteDeps = {
  issuer: string;
  ssf: SsfService;
  authenticate: BearerAuthenticator;
  /** Signs a queued SET for its stream's receiver. */
  signSet: (streamId: string, aud: string | string[], row: SsfQueueRow) => Promise<string>;
  logger: Logger;
};

export const ssfConfiguration = (issuer: string) => ({
  spec_version: '1_0',
  issuer,
  jwks_uri: `${issuer}/jwks`,
  delivery_methods_supported: [...DELIVERY_METHODS],
  configuration_endpoint: `${issuer}${SSF_PATHS.configuration}`,
  status_endpoint: `${issuer}${SSF_PATHS.status}`,
  verification_endpoint: `${issuer}${SSF_PATHS.verification}`,
  add_subject_endpoint: `${issuer}${SSF_PATHS.addSubject}`,
  remove_subject_endpoint: `${issuer}${SSF_PATHS.removeSubject}`,
  authorization_schemes: [{ spec_urn: 'urn:ietf:rfc:6749' }],
  default_subjects: 'ALL',
  events_supported: [...EVENTS_SUPPORTED],
});

export const createSsfRoutes = (deps: SsfRouteDeps) => {
  const router = new Router();

  /** The calling receiver: an OAuth client with the `ssf` scope. */
  const receiver = async (ctx: Context): Promise<string> => {
    const actor = await authenticateRequest(ctx, deps.authenticate);
    requireScopes(actor, [SSF_SCOPE]);
    if (actor.kind !== 'client')
      throw forbidden('streams belong to OAuth clients: use a client_credentials token');
    return actor.id;
  };

  const streamIdOf = (ctx: Context): string => {
    const id = ctx.query.stream_id;
    if (typeof id !== 'string' || id === '') throw invalidInput('the stream_id query parameter is required');
    return id;
  };

  router.get('/.well-known/ssf-configuration', (ctx) => {
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = ssfConfiguration(deps.issuer);
  });

  let openApi: ReturnType<typeof createPublicEventsOpenApi> | undefined;
  router.get('/ssf/openapi.json', (ctx) => {
    ctx.body = openApi ??= createPublicEventsOpenApi(deps.issuer);
  });

  router.post(SSF_PATHS.configuration, async (ctx) => {
    const clientId = await receiver(ctx);
    const input = parseBody(streamInputSchema, await readJsonBody(ctx));
    ctx.status = 201;
    ctx.body = await deps.ssf.create(clientId, input);
  });

  router.get(SSF_PATHS.configuration, async (ctx) => {
    const clientId = await receiver(ctx);
    const id = ctx.query.stream_id;
    ctx.body =
      typeof id === 'string' && id !== '' ? await deps.ssf.get(clientId, id) : await deps.ssf.list(clientId);
  });

  const update = (replace: boolean) => async (ctx: Context) => {
    const clientId = await receiver(ctx);
    const input = parseBody(streamInputSchema, await readJsonBody(ctx));
    if (!input.stream_id) throw invalidInput('/stream_id: required');
    ctx.body = await deps.ssf.update(clientId, input.stream_id, input, replace);
  };
  router.patch(SSF_PATHS.configuration, update(false));
  router.put(SSF_PATHS.configuration, update(true));

  router.delete(SSF_PATHS.configuration, async (ctx) => {
    const clientId = await receiver(ctx);
    await deps.ssf.remove(clientId, streamIdOf(ctx));
    ctx.status = 204;
  });

  router.get(SSF_PATHS.status, async (ctx) => {
    const clientId = await receiver(ctx);
    ctx.body = await deps.ssf.status(clientId, streamIdOf(ctx));
  });

  router.post(SSF_PATHS.status, async (ctx) => {
    const clientId = await receiver(ctx);
    const input = parseBody(statusInputSchema, await readJsonBody(ctx));
    ctx.body = await deps.ssf.setStatus(
      clientId,
      input.stream_id,
      input.status as StreamStatus,
      input.reason,
    );
  });

  router.post(SSF_PATHS.verification, async (ctx) => {
    const clientId = await receiver(ctx);
    const input = parseBody(verificationInputSchema, await readJsonBody(ctx));
    await deps.ssf.verify(clientId, input.stream_id, input.state);
    ctx.status = 204;
  });

  router.post(SSF_PATHS.addSubject, async (ctx) => {
    const clientId = await receiver(ctx);
    const input = parseBody(subjectInputSchema, await readJsonBody(ctx));
    await deps.ssf.addSubject(clientId, input.stream_id, input.subject);
    ctx.status = 200;
    ctx.body = {};
  });

  router.post(SSF_PATHS.removeSubject, async (ctx) => {
    const clientId = await receiver(ctx);
    const input = parseBody(subjectInputSchema, await readJsonBody(ctx));
    await deps.ssf.removeSubject(clientId, input.stream_id, input.subject);
    ctx.status = 204;
  });

  router.post(`${SSF_PATHS.poll}/:id`, async (ctx) => {
    const clientId = await receiver(ctx);
    const input = parseBody(pollInputSchema, await readJsonBody(ctx));
    const id = ctx.params.id as string;
    for (const [jti, error] of Object.entries(input.setErrs ?? {})) {
      deps.logger.warn({ stream: id, jti, err: error.err }, 'a Shared Signals receiver reported a SET error');
    }
    const hangUp = new AbortController();
    // The response's close, not the request's: that one fires as soon as the body has been read.
    ctx.res.once('close', () => hangUp.abort());
    const { sets, moreAvailable } = await deps.ssf.poll(clientId, id, {
      signal: hangUp.signal,
      // A SET the receiver could not process (setErrs) is not sent again: it is acknowledged, and logged.
      ack: [...(input.ack ?? []), ...Object.keys(input.setErrs ?? {})],
      maxEvents: input.maxEvents ?? 100,
      returnImmediately: input.returnImmediately ?? false,
    });
    const stream = await deps.ssf.get(clientId, id);
    const signed = await Promise.all(
      sets.map(async (row) => [row.jti, await deps.signSet(id, stream.aud, row)] as const),
    );
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { sets: Object.fromEntries(signed), moreAvailable };
  });

  const routes = router.routes();
  const allowed = router.allowedMethods();
  return async (ctx: Context, next: () => Promise<void>) => {
    if (!ctx.path.startsWith('/ssf/') && ctx.path !== '/.well-known/ssf-configuration') return next();
    try {
      await routes(ctx as never, async () => {
        // A known path with another method: koa-router sets 405 and Allow; anything else is not ours.
        await allowed(ctx as never, async () => {});
        if (ctx.status === 405) {
          throw new AppError('method_not_allowed', `${ctx.method} is not allowed on ${ctx.path}`, {
            headers: { Allow: ctx.response.get('Allow') },
          });
        }
        if (ctx.status === 404 && ctx.body === undefined) await next();
      });
    } catch (error) {
      sendProblem(ctx, error, deps.logger);
    }
  };
};
