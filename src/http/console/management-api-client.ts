import { AppError } from '../../errors.ts';

/**
 * The console's way to the management API: the same /v1 any client uses, over loopback, with the
 * signed-in user's access token. A 401 means the console's session is over (`invalid_token`).
 */
export type Problem = {
  status: number;
  detail?: string;
  code?: string;
  errors?: { pointer?: string; parameter?: string; detail: string }[];
};

export type ApiReply<T> =
  { ok: true; status: number; body: T } | { ok: false; status: number; problem: Problem };

export type ManagementApi = {
  get<T>(path: string, query?: Record<string, string | undefined>): Promise<ApiReply<T>>;
  post<T>(path: string, body: unknown): Promise<ApiReply<T>>;
  delete<T>(path: string): Promise<ApiReply<T>>;
};

export const createManagementApiClient =
  (deps: { selfUrl: () => string }) =>
  (accessToken: string): ManagementApi => {
    const call = async <T>(method: string, path: string, body?: unknown): Promise<ApiReply<T>> => {
      const response = await fetch(`${deps.selfUrl()}/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${accessToken}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      // The session's token is no longer taken (revoked, user disabled): the console signs in again.
      if (response.status === 401)
        throw new AppError(
          'invalid_token',
          'the console session is no longer accepted by the management API',
        );
      const text = await response.text();
      const parsed: unknown = text ? JSON.parse(text) : undefined;
      if (response.status >= 500) {
        const failure = `the management API answered ${response.status} to ${method} ${path}`;
        const retryAfterSeconds = Number(response.headers.get('retry-after')) || undefined;
        throw response.status === 503
          ? new AppError('storage_unavailable', failure, { retryAfterSeconds })
          : new AppError('internal', failure);
      }
      return response.ok
        ? { ok: true, status: response.status, body: parsed as T }
        : { ok: false, status: response.status, problem: { status: response.status, ...(parsed as object) } };
    };
    return {
      get: (path, query) => {
        const search = new URLSearchParams(
          Object.entries(query ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined),
        ).toString();
        return call('GET', search ? `${path}?${search}` : path);
      },
      post: (path, body) => call('POST', path, body),
      delete: (path) => call('DELETE', path),
    };
  };
