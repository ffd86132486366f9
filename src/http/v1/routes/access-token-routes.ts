import { z } from 'zod';
import type {
  AccessTokenView,
  IssuedAccessToken,
  ListOptions,
  Page,
} from '../../../domain/access-tokens/access-token.ts';
import type { Actor } from '../../../domain/actors.ts';
import {
  defineRoute,
  type HttpMethod,
  type Responses,
  type ResponseSpec,
  type Route,
} from '../define-route.ts';
import { cursorSchema, limitSchema, pageJson, pageSchema } from '../schemas/pagination.ts';

const READ = { scopes: ['tokens:read'] } as const;
const WRITE = { scopes: ['tokens:write'] } as const;

export const listTokensQuerySchema = z.strictObject({
  state: z.enum(['active', 'expired', 'revoked', 'all']).default('active').describe('Which tokens to list.'),
  limit: limitSchema,
  cursor: cursorSchema.optional(),
});

type Present<T, S extends z.ZodType> = { schema: S; present: (value: T) => z.input<S> };

/**
 * A collection of access tokens as the API serves it: a person's PATs or a resource's RATs. The
 * collection says where it lives, its words and schemas, and which domain call does each job.
 */
export type AccessTokenCollection<C, T, B extends z.ZodType> = {
  /** Koa paths relative to /v1: the collection, and one token in it. */
  path: string;
  tokenPath: string;
  /** The path parameters of the collection, and of one token (the collection's and the token's id). */
  params?: z.ZodObject;
  tokenParams: z.ZodObject;
  /** `PersonalAccessToken` → createPersonalAccessToken, listPersonalAccessTokens, … */
  operation: string;
  /** `personal access token` → "Create a personal access token", … */
  noun: string;
  tags: string[];
  notFound: ResponseSpec;
  view: Present<AccessTokenView, z.ZodType>;
  issued: Present<IssuedAccessToken, z.ZodType>;
  create: {
    description: string;
    body: B;
    conflict: string;
    /** Only a resource can be missing when a token is created on it. */
    notFound?: ResponseSpec;
    run(actor: Actor, params: C, body: z.output<B>): Promise<IssuedAccessToken>;
    /** The `Location` of the new token: the path segments under /v1. */
    location(params: C, id: string): string;
  };
  list: { summary: string; run(actor: Actor, params: C, query: ListOptions): Promise<Page<AccessTokenView>> };
  get: TokenOperation<T, AccessTokenView>;
  revoke: TokenOperation<T, AccessTokenView>;
  rotate: TokenOperation<T, IssuedAccessToken>;
};

/** What one token's route does, given the token's path parameters. */
type TokenOperation<T, V> = { description?: string; run(actor: Actor, params: T): Promise<V> };

/** Adds a 404 that only some collections document (only a resource can be missing). */
const withNotFound = <R extends Responses>(responses: R, notFound: ResponseSpec | undefined): R =>
  notFound ? { ...responses, 404: notFound } : responses;

/**
 * The five routes of a collection — create, list, get, revoke, rotate — written once for PATs and
 * RATs: the same scopes, statuses and answers, so the two kinds cannot drift apart. (Route
 * handlers see their parsed parameters typed by the collection's own schemas.)
 */
export const accessTokenRoutes = <C, T, B extends z.ZodType>(
  collection: AccessTokenCollection<C, T, B>,
): Route[] => {
  const { view, issued, notFound } = collection;
  const tokenParams = collection.tokenParams;
  const collectionParams = (params: unknown) => params as C;
  const tokenParamsOf = (params: unknown) => params as T;

  /** An operation on one token, found by its parameters; answered 200 with what `answer` makes of it. */
  const oneTokenRoute = <V>(
    route: {
      verb: 'get' | 'revoke' | 'rotate';
      method: HttpMethod;
      path?: string;
      auth: typeof READ | typeof WRITE;
      success: string;
      answer: Present<V, z.ZodType>;
    },
    operation: TokenOperation<T, V>,
  ) =>
    defineRoute({
      method: route.method,
      path: `${collection.tokenPath}${route.path ?? ''}`,
      operationId: `${route.verb}${collection.operation}`,
      summary: `${route.verb[0]?.toUpperCase()}${route.verb.slice(1)} a ${collection.noun}`,
      ...(operation.description ? { description: operation.description } : {}),
      tags: collection.tags,
      auth: route.auth,
      params: tokenParams,
      responses: { 200: { description: route.success, schema: route.answer.schema }, 404: notFound },
      handler: async ({ actor, params }) => ({
        status: 200,
        body: route.answer.present(await operation.run(actor, tokenParamsOf(params))),
      }),
    });

  return [
    defineRoute({
      method: 'POST',
      path: collection.path,
      operationId: `create${collection.operation}`,
      summary: `Create a ${collection.noun}`,
      description: collection.create.description,
      tags: collection.tags,
      auth: WRITE,
      params: collection.params,
      body: collection.create.body as z.ZodType,
      responses: withNotFound(
        {
          201: {
            description: 'Created.',
            schema: issued.schema,
            headers: { Location: { description: 'The URL of the new token.' } },
          },
          409: { description: collection.create.conflict },
        },
        collection.create.notFound,
      ),
      handler: async ({ actor, params, body }) => {
        const created = await collection.create.run(actor, collectionParams(params), body as z.output<B>);
        return {
          status: 201,
          body: issued.present(created),
          headers: { Location: collection.create.location(collectionParams(params), created.record.id) },
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: collection.path,
      operationId: `list${collection.operation}s`,
      summary: collection.list.summary,
      tags: collection.tags,
      auth: READ,
      params: collection.params,
      query: listTokensQuerySchema,
      responses: withNotFound(
        { 200: { description: 'A page of tokens.', schema: pageSchema(view.schema) } },
        collection.params && notFound,
      ),
      handler: async ({ actor, params, query }) => ({
        status: 200,
        body: pageJson(await collection.list.run(actor, collectionParams(params), query), view.present),
      }),
    }),
    oneTokenRoute(
      { verb: 'get', method: 'GET', auth: READ, success: 'The token’s metadata.', answer: view },
      collection.get,
    ),
    oneTokenRoute(
      {
        verb: 'revoke',
        method: 'DELETE',
        auth: WRITE,
        success:
          'The token, revoked: now, or before this request if it already was (`revoked_at` says when); revoking twice is not an error.',
        answer: view,
      },
      collection.revoke,
    ),
    oneTokenRoute(
      { verb: 'rotate', method: 'POST', path: '/rotate', auth: WRITE, success: 'Rotated.', answer: issued },
      collection.rotate,
    ),
  ];
};
