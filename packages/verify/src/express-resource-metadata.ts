import {
  metadataRoute,
  type MetadataRouteOptions,
  type ProtectedResourceMetadata,
} from './protected-resource-metadata.ts';

type RequestLike = { method?: string | undefined; url?: string | undefined; originalUrl?: string };
type ResponseLike = {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
};

/**
 * express (and connect) middleware serving the API's protected resource metadata (RFC 9728) at
 * `/.well-known/oauth-protected-resource` followed by the resource's path, and (unless `atRoot` is
 * false) at the bare well-known path; every other request goes on. Mount it at the application's
 * root (`app.use(…)`), before requireToken: the document is public.
 */
export const serveProtectedResourceMetadata = (
  metadata: ProtectedResourceMetadata,
  options: MetadataRouteOptions = {},
) => {
  const route = metadataRoute(metadata, options);
  return (req: RequestLike, res: ResponseLike, next: (error?: unknown) => void): void => {
    // originalUrl: express rewrites req.url below a mount point; the well-known path is absolute.
    const answer = route(req.method ?? 'GET', req.originalUrl ?? req.url ?? '/');
    if (!answer) return next();
    res.statusCode = answer.status;
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    res.end(answer.body);
  };
};
