import { isDeepStrictEqual } from 'node:util';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Logger } from '../../logging/create-logger.ts';
import type { BearerAuthenticator } from '../authenticate-bearer.ts';
import { authenticateRequest, requireScopes } from './bearer-authentication.ts';
import type { Route } from './define-route.ts';
import { AppError } from '../../errors.ts';
import { problemItemsFromZod, type InputPart } from '../problems/problem-items.ts';
import { sendProblem } from '../problems/problem-response.ts';
import { readJsonBody } from './read-json-body.ts';
import { undecodableParameters, unstorableInput } from './storable-input.ts';

export type RouteMiddlewareOptions = {
  authenticate: BearerAuthenticator;
  logger?: Logger | undefined;
  /** Check every response against its declared schema (development and tests). */
  checkResponses: boolean;
};

const noParameters = z.strictObject({});

const parse = (schema: z.ZodType, input: unknown, part: InputPart): unknown => {
  const unstorable = unstorableInput(input, part);
  const result = unstorable.length > 0 ? undefined : schema.safeParse(input);
  if (result?.success) return result.data;
  const errors = result ? problemItemsFromZod(result.error, part) : unstorable;
  // The verb agrees with the subject ("the body has", "the parameters have"), the noun with the count.
  const subject = part === 'body' ? 'The request body has' : 'The request parameters have';
  throw new AppError(
    'invalid_input',
    `${subject} ${errors.length === 1 ? 'a problem' : 'problems'}: see errors.`,
    { errors },
  );
};

/** A handler's answer must be one it declared, with the body it declared and nothing more. */
const checkResponse = (route: Route, status: number, body: unknown): void => {
  const spec = route.responses[status];
  if (!spec || status >= 400)
    throw new Error(`${route.operationId} answered ${status}, which it does not declare`);
  if (!spec.schema) {
    if (body !== undefined)
      throw new Error(`${route.operationId} answered ${status} with a body it does not declare`);
    return;
  }
  const result = spec.schema.safeParse(body);
  if (!result.success) {
    throw new Error(
      `${route.operationId} answered a body that breaks its schema:\n${z.prettifyError(result.error)}`,
    );
  }
  // zod drops undeclared members when it parses; any difference is a member the schema does not name.
  if (!isDeepStrictEqual(result.data, body)) {
    throw new Error(`${route.operationId} answered a body with members its schema does not declare`);
  }
};

/**
 * One route's pipeline, in the order a client can fix things: who are you (401), may you (403),
 * is the request well formed (415, 413, 400), then the handler. Errors become problems here, where
 * the route's parameter names are known, so a domain error's field can be named as a parameter.
 */
export const routeMiddleware = (route: Route, options: RouteMiddlewareOptions) => {
  const parameterNames = new Set([
    ...Object.keys(route.params?.shape ?? {}),
    ...Object.keys(route.query?.shape ?? {}),
  ]);
  return async (ctx: Context): Promise<void> => {
    try {
      const actor = route.auth === 'none' ? undefined : await authenticateRequest(ctx, options.authenticate);
      if (actor && route.auth !== 'none') requireScopes(actor, route.auth.scopes);
      const params = parse(route.params ?? noParameters, { ...ctx.params }, 'parameters');
      const undecodable = undecodableParameters(ctx.querystring);
      if (undecodable.length > 0)
        throw new AppError('invalid_input', 'The request parameters have problems: see errors.', {
          errors: undecodable,
        });
      const query = parse(route.query ?? noParameters, { ...ctx.query }, 'parameters');
      const body = route.body ? parse(route.body, await readJsonBody(ctx), 'body') : undefined;

      const result = await route.handler({ actor, params, query, body, ctx });
      if (options.checkResponses) checkResponse(route, result.status, result.body);
      ctx.status = result.status;
      if (result.headers) ctx.set(result.headers);
      if (result.body !== undefined) ctx.body = result.body;
    } catch (error) {
      sendProblem(ctx, error, options.logger, parameterNames);
    }
  };
};
