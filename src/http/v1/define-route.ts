import type { Context } from 'koa';
import type { z } from 'zod';
import type { Actor } from '../../domain/actors.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** `scopes` is any-of; the `admin` scope satisfies every requirement. */
export type RouteAuth = { scopes: readonly string[] } | 'none';

/** The statuses a handler may answer with; errors are thrown, never returned. */
export type SuccessStatus = 200 | 201 | 204;

export type ResponseSpec = {
  description: string;
  /** Absent for 204 and for error statuses (those are always a problem document). */
  schema?: z.ZodType;
  headers?: Record<string, { description: string }>;
};

export type Responses = { [status: number]: ResponseSpec };

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;
type ResponseBody<S extends ResponseSpec> = S['schema'] extends z.ZodType ? z.input<S['schema']> : undefined;

/** What a handler returns: one of its declared success statuses, with the body that status declares. */
export type RouteResult<R extends Responses> = {
  [K in keyof R & SuccessStatus]: { status: K; body: ResponseBody<R[K]>; headers?: Record<string, string> };
}[keyof R & SuccessStatus];

export type RouteDefinition<
  A extends RouteAuth,
  P extends z.ZodObject | undefined,
  Q extends z.ZodObject | undefined,
  B extends z.ZodType | undefined,
  R extends Responses,
> = {
  method: HttpMethod;
  /** Koa style, relative to /v1: `/access-tokens/:id`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  auth: A;
  params?: P;
  query?: Q;
  /** A JSON request body (application/json). */
  body?: B;
  responses: R;
  handler: (input: {
    actor: A extends 'none' ? undefined : Actor;
    params: Parsed<P>;
    query: Parsed<Q>;
    body: Parsed<B>;
    ctx: Context;
  }) => Promise<RouteResult<R>>;
};

/** A route with its types erased, as the router, the request pipeline and the OpenAPI generator see it. */
export type Route = {
  method: HttpMethod;
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  auth: RouteAuth;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  responses: Responses;
  handler: (input: {
    actor: Actor | undefined;
    params: unknown;
    query: unknown;
    body: unknown;
    ctx: Context;
  }) => Promise<{ status: number; body?: unknown; headers?: Record<string, string> }>;
};

/**
 * Declares a route: its inputs and outputs as zod schemas, checked before and (in development)
 * after the handler, and the same schemas are what the OpenAPI document is generated from. The
 * generics make the handler see parsed inputs and return only the bodies it declared.
 */
export const defineRoute = <
  A extends RouteAuth,
  P extends z.ZodObject | undefined = undefined,
  Q extends z.ZodObject | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  R extends Responses = Responses,
>(
  definition: RouteDefinition<A, P, Q, B, R>,
): Route => definition as unknown as Route;
