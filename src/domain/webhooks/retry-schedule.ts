/**
 * When a failed delivery is tried again: exponential backoff with jitter, so receivers coming
 * back from an outage are not hit by every instance's retries at the same moment. The n-th retry
 * waits between half and all of min(maxMs, baseMs · 2^(n-1)). A delivery still failing
 * `deadLetterMs` after its first attempt is given up (state `dead`, kept in the delivery log).
 */
export type RetryPolicy = { baseMs: number; maxMs: number; deadLetterMs: number };

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseMs: 5_000,
  maxMs: 60 * 60_000,
  deadLetterMs: 24 * 60 * 60_000,
};

export const retryDelayMs = (policy: RetryPolicy, failedAttempts: number, random: () => number): number => {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, failedAttempts - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
};
