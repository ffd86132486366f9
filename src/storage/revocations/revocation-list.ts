import type { ChangeBus } from '../change-bus.ts';
import type { Repositories } from '../repositories.ts';
import type { RevocationRow } from '../tables/revocations.ts';
import type { RevocationMarks } from './redis-revocation-marks.ts';

/**
 * Every instance's in-memory copy of the revocations recorded in Postgres (tables/revocations.ts)
 * whose tokens have not expired yet. Every check of a token consults it, whatever Redis answers,
 * so a Redis that lost or reverted data (flush, restart, failover to a lagging replica, old
 * snapshot) cannot bring a revoked token back: Postgres is the record, Redis a cache.
 *
 * - Loaded whole at start, then kept current by reading what changed since the last read: on a
 *   change-bus message (another instance revoked something: visible here at once) and every
 *   `pollMs` (a lost message, or an instance without Redis). "Since" is a transaction horizon, not
 *   a clock, so a slow commit is never skipped.
 * - A revocation is written to Postgres first; it becomes visible here, and is announced to the
 *   others, once committed. The caller answers only after that.
 * - Checks are synchronous: no I/O on the request path.
 */
export type RevocationKind =
  /** A JWT access token, by `jti`. */
  | 'jwt'
  /** An opaque token, code, session or grant of the library's token store, by its hashed id. */
  | 'opaque'
  /** A consumed authorization code or rotated refresh token, by its hashed id. */
  | 'consumed'
  /** Every token of a grant, by the grant's hashed id. */
  | 'grant'
  /** Every token a deleted client was issued before `revokedAt`, by client id. */
  | 'client'
  /** A PAT or RAT, by its public id. */
  | 'access_token'
  /** A PAT's or RAT's string replaced by rotation, by its token hash. */
  | 'token_hash';

export type Revocation = RevocationRow & { kind: RevocationKind };

export type RevocationList = {
  has(kind: RevocationKind, key: string): boolean;
  /** When `kind`/`key` was revoked, in epoch milliseconds; undefined when it is not. */
  revokedAt(kind: RevocationKind, key: string): number | undefined;
  /**
   * `has`, and for the kinds other instances mark in Redis before they acknowledge a revocation
   * (redis-revocation-marks.ts: JWTs), whether one has: what the others revoked a moment ago is
   * seen here at the first check. Redis not answering leaves the answer to this list.
   */
  hasAnywhere(kind: RevocationKind, key: string): Promise<boolean>;
  /** Writes through `repositories` — a transaction's: then `announce` them once it has committed. */
  record(repositories: Repositories, revocations: readonly Revocation[]): Promise<void>;
  /** Committed revocations: visible on this instance now, on the others at their next check. */
  announce(revocations: readonly Revocation[]): Promise<void>;
  /** `record` in a transaction of its own, then `announce`. Concurrent calls for one key write once. */
  revoke(revocations: readonly Revocation[]): Promise<void>;
  /** Loads every unexpired revocation, then follows changes until `stop`; `onError` hears failed reads. */
  start(options?: { onError?: (error: unknown) => void }): Promise<void>;
  /** Reads what changed now (coalesced: one read at a time, one more if asked meanwhile). */
  refresh(): Promise<void>;
  stop(): Promise<void>;
  size(): number;
};

export const REVOCATIONS_TOPIC = 'revocations';

export type RevocationListDeps = {
  repositories: Repositories;
  changes: ChangeBus;
  pollMs?: number;
  /** Delete rows of tokens expired longer than this ago from Postgres (every `sweepMs`). */
  keepExpiredMs?: number;
  /** 0: this process does not sweep (the CLI). */
  sweepMs?: number;
  now?: () => number;
  onError?: (error: unknown) => void;
  /** Early copies of revocations in Redis, written before `announce` resolves. */
  marks?: RevocationMarks;
  /** Hears the revocations this process committed, as it announces them (metrics). */
  onAnnounce?: (revocations: readonly Revocation[]) => void;
};

type Entry = { revokedAt: number; expiresAt: number | null };

const id = (kind: string, key: string) => `${kind}\u0000${key}`;

export const createRevocationList = (deps: RevocationListDeps): RevocationList => {
  const now = deps.now ?? Date.now;
  const pollMs = deps.pollMs ?? 1_000;
  const sweepMs = deps.sweepMs ?? 10 * 60_000;
  const keepExpiredMs = deps.keepExpiredMs ?? 60 * 60_000;
  let onError = deps.onError ?? (() => {});
  const entries = new Map<string, Entry>();
  const inFlight = new Map<string, Promise<void>>();
  let horizon: string | undefined;
  let timers: NodeJS.Timeout[] = [];
  let reading: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  const live = (entry: Entry | undefined) =>
    entry !== undefined && (entry.expiresAt === null || entry.expiresAt > now());

  const add = (row: RevocationRow) => {
    const key = id(row.kind, row.key);
    const seen = entries.get(key);
    const revokedAt = Math.max(row.revokedAt.getTime(), seen?.revokedAt ?? 0);
    const expiresAt =
      row.expiresAt === null || (seen && seen.expiresAt === null)
        ? null
        : Math.max(row.expiresAt.getTime(), seen?.expiresAt ?? 0);
    entries.set(key, { revokedAt, expiresAt });
  };

  const prune = () => {
    const at = now();
    for (const [key, entry] of entries)
      if (entry.expiresAt !== null && entry.expiresAt <= at) entries.delete(key);
  };

  const readOnce = async () => {
    const changes = await deps.repositories.revocations.listSince(horizon, new Date(now()));
    for (const row of changes.rows) add(row);
    horizon = changes.horizon;
  };

  const refresh = (): Promise<void> => {
    if (reading) {
      again = true;
      return reading;
    }
    reading = (async () => {
      try {
        do {
          again = false;
          await readOnce();
        } while (again && !stopped);
      } finally {
        reading = undefined;
      }
    })();
    return reading;
  };

  const record = async (repositories: Repositories, revocations: readonly Revocation[]) => {
    await repositories.revocations.upsert(revocations);
  };

  const announce = async (revocations: readonly Revocation[]) => {
    if (revocations.length === 0) return;
    for (const row of revocations) add(row);
    deps.onAnnounce?.(revocations);
    // Best effort, both: an instance that misses them reads the change at its next poll.
    await Promise.all([
      deps.marks?.mark(revocations).catch(onError),
      deps.changes.publish(REVOCATIONS_TOPIC, String(revocations.length)).catch(onError),
    ]);
  };

  const revokeOne = (revocation: Revocation): Promise<void> => {
    const key = id(revocation.kind, revocation.key);
    // Recorded already, at least as long (only committed rows are here): nothing to add.
    const known = entries.get(key);
    if (
      known &&
      live(known) &&
      (known.expiresAt === null ||
        (revocation.expiresAt !== null && known.expiresAt >= revocation.expiresAt.getTime()))
    )
      return Promise.resolve();
    const pending = inFlight.get(key);
    if (pending) return pending;
    const writing = (async () => {
      try {
        await record(deps.repositories, [revocation]);
        await announce([revocation]);
      } finally {
        inFlight.delete(key);
      }
    })();
    inFlight.set(key, writing);
    return writing;
  };

  return {
    has: (kind, key) => live(entries.get(id(kind, key))),
    async hasAnywhere(kind, key) {
      if (live(entries.get(id(kind, key)))) return true;
      if (!deps.marks?.kinds.has(kind)) return false;
      // A Redis that does not answer is already reported by its connection state (and would be
      // here once per request): the in-memory answer stands.
      return (await deps.marks.revokedAt(kind, key).catch(() => undefined)) !== undefined;
    },
    revokedAt(kind, key) {
      const entry = entries.get(id(kind, key));
      return live(entry) ? entry?.revokedAt : undefined;
    },
    record,
    announce,
    async revoke(revocations) {
      if (revocations.length === 1 && revocations[0]) return revokeOne(revocations[0]);
      await record(deps.repositories, revocations);
      await announce(revocations);
    },
    async start(options = {}) {
      if (options.onError) onError = options.onError;
      stopped = false;
      deps.changes.subscribe(REVOCATIONS_TOPIC, () => {
        if (!stopped) refresh().catch(onError);
      });
      await refresh();
      const poll = setInterval(() => {
        prune();
        refresh().catch(onError);
      }, pollMs);
      poll.unref();
      timers.push(poll);
      if (sweepMs > 0) {
        const sweep = setInterval(() => {
          deps.repositories.revocations.deleteExpired(new Date(now() - keepExpiredMs)).catch(onError);
        }, sweepMs);
        sweep.unref();
        timers.push(sweep);
      }
    },
    refresh,
    async stop() {
      stopped = true;
      for (const timer of timers) clearInterval(timer);
      timers = [];
      await reading?.catch(() => {});
    },
    size: () => entries.size,
  };
};
