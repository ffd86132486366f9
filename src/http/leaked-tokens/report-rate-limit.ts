import { AppError, classifyError } from '../../errors.ts';
import type { PepperHash } from '../../crypto/pepper-hash.ts';
import type { AttemptCounters } from '../../storage/attempt-counters.ts';

/**
 * How many leak reports one client address may send per minute. The counters are the shared ones
 * (Redis when configured, so every instance counts together). While Redis is down the limit still
 * holds, per instance, in this process's memory (bounded), rather than failing the report or
 * letting a flood through: a report is worth taking during an outage, a flood never is.
 * Addresses are counted by HMAC, never in clear.
 */
export type ReportRateLimit = { count(ip: string): Promise<void> };

const WINDOW_SECONDS = 60;

export const createReportRateLimit = (deps: {
  counters: AttemptCounters;
  /** This process's own counters: used while `counters` (Redis) is unreachable. */
  fallback: AttemptCounters;
  perMinute: number;
  addressHash: PepperHash;
}): ReportRateLimit => ({
  async count(ip) {
    const key = `leak-report:${deps.addressHash.digest(ip)}`;
    let window;
    try {
      window = await deps.counters.hit(key, WINDOW_SECONDS);
    } catch (error) {
      if (classifyError(error).code !== 'storage_unavailable') throw error;
      window = await deps.fallback.hit(key, WINDOW_SECONDS);
    }
    if (window.count > deps.perMinute) {
      const seconds = Math.max(1, window.resetsInSeconds);
      throw new AppError(
        'rate_limited',
        `too many reports from this address: at most ${deps.perMinute} a minute; retry in ${seconds} s`,
        { headers: { 'Retry-After': String(seconds) } },
      );
    }
  },
});
