import {
  metadataRoute,
  type MetadataRouteOptions,
  type ProtectedResourceMetadata,
} from './protected-resource-metadata.ts';

type KoaContextLike = {
  method: string;
  url: string;
  status: number;
  body: unknown;
  set(field: string, value: string): void;
};

/**
 * koa middleware serving the API's protected resource metadata (RFC 9728) at
 * `/.well-known/oauth-protected-resource` followed by the resource's path, and (unless `atRoot` is
 * false) at the bare well-known path; every other request goes on. Put it before requireToken:
 * the document is public.
 */
export const serveProtectedResourceMetadata = (
  metadata: ProtectedResourceMetadata,
  options: MetadataRouteOptions = {},
) => {
  const route = metadataRoute(metadata, options);
  return async <C extends KoaContextLike>(ctx: C, next: () => Promise<unknown>): Promise<void> => {
    const answer = route(ctx.method, ctx.url);
    if (!answer) {
      await next();
      return;
    }
    ctx.status = answer.status;
    for (const [name, value] of Object.entries(answer.headers)) ctx.set(name, value);
    // koa sends no body for HEAD by itself, but sets the headers a GET would have.
    if (answer.body !== undefined) ctx.body = answer.body;
  };
};
