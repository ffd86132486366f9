import type { Repositories } from '../../storage/repositories.ts';

/**
 * "Last used" (time and IP) without slowing introspection: uses are noted in memory and written in
 * one batch every `flushEveryMs`; a token is written at most once a minute per instance, and the
 * SQL itself only moves a timestamp forward by more than a minute, so the database sees about one
 * write per token per minute however busy the token is.
 */
const THROTTLE_MS = 60_000;

export type LastUsed = ReturnType<typeof createLastUsed>;

export const createLastUsed = (deps: {
  repositories: Repositories;
  onError: (error: unknown) => void;
  now?: () => number;
}) => {
  const now = deps.now ?? Date.now;
  const pending = new Map<string, { at: number; ip: string | null }>();
  const written = new Map<string, number>();

  const flush = async () => {
    if (pending.size === 0) return;
    const entries = [...pending].map(([id, use]) => ({ id, at: new Date(use.at), ip: use.ip }));
    pending.clear();
    try {
      await deps.repositories.accessTokens.recordLastUsed(entries);
    } catch (error) {
      deps.onError(error);
    }
  };

  let timer: NodeJS.Timeout | undefined;
  return {
    touch(tokenId: string, ip: string | null) {
      const at = now();
      if (at - (written.get(tokenId) ?? 0) < THROTTLE_MS) return;
      written.set(tokenId, at);
      pending.set(tokenId, { at, ip });
      if (written.size > 100_000) written.clear(); // a bound, not a correctness matter
    },
    flush,
    start(flushEveryMs = 15_000) {
      timer = setInterval(() => void flush(), flushEveryMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await flush();
    },
  };
};
