import type { KoaContextWithOIDC } from 'oidc-provider';
import { classifyError } from '../../errors.ts';
import type { AttemptCounters } from '../../storage/attempt-counters.ts';

/**
 * How many clients one address may register (POST /reg) per minute: a fixed window, counted in
 * the shared counters (Redis when configured, so every instance counts together). While Redis is
 * down the limit still holds per instance, in this process's memory, rather than failing every
 * registration or letting a flood through. Over the limit the answer is 429 with `Retry-After` and
 * an OAuth error body (`temporarily_unavailable`, RFC 6749's "overloaded, try later"), as RFC 7591
 * clients parse errors. Addresses are counted by their keyed hash, never in clear.
 */
const WINDOW_SECONDS = 60;

export type RegistrationRateLimitDeps = {
  counters: AttemptCounters;
  /** This process's own counters: used while `counters` (Redis) is unreachable. */
  fallback: AttemptCounters;
  perMinute: number;
  hashAddress: (ip: string) => string;
  /** The registration route's path (oidc-provider's `routes.registration`). */
  path?: string;
};

export const createRegistrationRateLimit = (deps: RegistrationRateLimitDeps) => {
  const path = deps.path ?? '/reg';
  const hit = async (key: string) => {
    try {
      return await deps.counters.hit(key, WINDOW_SECONDS);
    } catch (error) {
      if (classifyError(error).code !== 'storage_unavailable') throw error;
      return deps.fallback.hit(key, WINDOW_SECONDS);
    }
  };
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    if (ctx.method !== 'POST' || ctx.path !== path) return next();
    const window = await hit(`registration:${deps.hashAddress(ctx.ip)}`);
    if (window.count <= deps.perMinute) return next();
    const seconds = Math.max(1, window.resetsInSeconds);
    ctx.status = 429;
    ctx.set('Retry-After', String(seconds));
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'json';
    ctx.body = {
      error: 'temporarily_unavailable',
      error_description: `too many registrations from this address: at most ${deps.perMinute} a minute; retry in ${seconds} s`,
    };
  };
};
