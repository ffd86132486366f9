import type { Repositories } from '../../storage/repositories.ts';
import type { AccessTokenRow } from '../../storage/tables/access-tokens.ts';
import type { Actor } from '../actors.ts';
import { eventTokenOfRow } from '../events/event-token.ts';
import type { EventRecipient, TesseraEvent } from '../events/event-types.ts';
import { recordEvent } from '../events/record-event.ts';
import type { NoticeMail, NoticeMailer } from './notice-mailer.ts';
import { expiredMail, expiringMail, idleMail } from './notice-messages.ts';
import { noticeRecipients } from './notice-recipients.ts';

/**
 * Notices about PATs and RATs, found by a periodic check on every instance:
 *
 * - `token.expiring` when a token crosses a threshold of `expiryDays` (30, 7, 1) before it
 *   expires — the nearest threshold crossed, and only thresholds the token lived past (a token
 *   made for 3 days gets the 1-day notice only);
 * - `token.expired` once it has expired (for tokens that expired within the last week, so turning
 *   the feature on does not mail about tokens dead for years);
 * - with the idle policy, `token.idle` `idle.noticeDays` before a token unused for `idle.days`
 *   would be disabled, and then the revocation itself (reason `idle`) — never before the notice
 *   has been out for `noticeDays`.
 *
 * Each notice is a row in `token_notices` inserted in the transaction that records its event: the
 * first instance to insert it sends it, whichever finds it, however often instances restart. The
 * e-mail (when SMTP is set up) follows the commit, best effort.
 */
export type TokenNoticeDeps = {
  repositories: Repositories;
  now: () => Date;
  /** Days before expiry, any order. */
  expiryDays: readonly number[];
  idle?: { days: number; noticeDays: number } | undefined;
  mailer?: NoticeMailer | undefined;
  /** Revokes a token for the idle policy (access-token service, reason `idle`). */
  revokeIdle: (actor: Actor, tokenId: string) => Promise<unknown>;
  onError?: (error: unknown) => void;
  intervalMs?: number;
  /** Tokens looked at per kind of notice and round. */
  batchSize?: number;
};

export type NoticeRound = { expiring: number; expired: number; idle: number; disabled: number };

export type TokenNoticeRunner = {
  runOnce(): Promise<NoticeRound>;
  start(): void;
  stop(): Promise<void>;
};

const DAY = 86_400_000;
const EXPIRED_LOOKBACK_MS = 7 * DAY;
export const IDLE_POLICY_ACTOR: Actor = { kind: 'operator', id: 'tessera:idle-policy', meta: {} };

export const createTokenNoticeRunner = (deps: TokenNoticeDeps): TokenNoticeRunner => {
  const { repositories, now } = deps;
  const thresholds = [...new Set(deps.expiryDays)].sort((a, b) => a - b);
  const batchSize = deps.batchSize ?? 200;
  const onError = deps.onError ?? (() => {});

  /** Records the notice and its event once; mails after the commit. True when this call sent it. */
  const notify = async (
    token: AccessTokenRow,
    notice: string,
    event: (recipients: EventRecipient[]) => TesseraEvent,
    mail: NoticeMail,
  ): Promise<boolean> => {
    const at = now();
    const recipients = await noticeRecipients(repositories, token);
    const sent = await repositories.transaction(async (tx) => {
      if (!(await tx.tokenNotices.insert({ tokenId: token.id, notice, sentAt: at }))) return false;
      await recordEvent(tx, event(recipients), at);
      return true;
    });
    if (sent && deps.mailer) await deps.mailer.send(recipients, mail).catch(onError);
    return sent;
  };

  const expiring = async (at: Date): Promise<number> => {
    const longest = thresholds.at(-1);
    if (longest === undefined) return 0;
    let count = 0;
    const candidates = await repositories.tokenNotices.listExpiringBy({
      now: at,
      until: new Date(at.getTime() + longest * DAY),
      limit: batchSize,
    });
    for (const { token, notices } of candidates) {
      const expiresAt = token.expiresAt as Date;
      const left = expiresAt.getTime() - at.getTime();
      const days = thresholds.find((threshold) => left <= threshold * DAY);
      if (days === undefined) continue;
      // Made with less time left than this threshold: its notice would only repeat the expiry date.
      if (token.createdAt.getTime() > expiresAt.getTime() - days * DAY) continue;
      const nearerSent = notices.some((notice) => {
        const match = /^expiring:(\d+)$/.exec(notice);
        return match !== null && Number(match[1]) <= days;
      });
      if (nearerSent) continue;
      const sent = await notify(
        token,
        `expiring:${days}`,
        (recipients) => ({
          type: 'token.expiring',
          streamKey: token.id,
          data: { token: eventTokenOfRow(token), expiresAt: expiresAt.toISOString(), days, recipients },
        }),
        expiringMail(token, days),
      );
      if (sent) count += 1;
    }
    return count;
  };

  const expired = async (at: Date): Promise<number> => {
    let count = 0;
    const candidates = await repositories.tokenNotices.listExpiredWithoutNotice({
      since: new Date(at.getTime() - EXPIRED_LOOKBACK_MS),
      now: at,
      limit: batchSize,
    });
    for (const { token } of candidates) {
      const expiredAt = token.expiresAt as Date;
      const sent = await notify(
        token,
        'expired',
        (recipients) => ({
          type: 'token.expired',
          streamKey: token.id,
          data: { token: eventTokenOfRow(token), expiredAt: expiredAt.toISOString(), recipients },
        }),
        expiredMail(token),
      );
      if (sent) count += 1;
    }
    return count;
  };

  const idle = async (at: Date): Promise<{ idle: number; disabled: number }> => {
    if (!deps.idle) return { idle: 0, disabled: 0 };
    const { days, noticeDays } = deps.idle;
    const counts = { idle: 0, disabled: 0 };
    const candidates = await repositories.tokenNotices.listIdleSince({
      before: new Date(at.getTime() - (days - noticeDays) * DAY),
      now: at,
      limit: batchSize,
    });
    for (const { token } of candidates) {
      const idleSince = token.lastUsedAt ?? token.createdAt;
      // One notice per idle period: a use in between starts a new period, with a notice of its own.
      const notice = `idle:${idleSince.toISOString()}`;
      const noticeSentAt = await repositories.tokenNotices.findSentAt(token.id, notice);
      if (noticeSentAt) {
        const disableAt = Math.max(
          idleSince.getTime() + days * DAY,
          noticeSentAt.getTime() + noticeDays * DAY,
        );
        if (at.getTime() >= disableAt) {
          await deps.revokeIdle(IDLE_POLICY_ACTOR, token.id);
          counts.disabled += 1;
        }
        continue;
      }
      const disableAt = new Date(Math.max(idleSince.getTime() + days * DAY, at.getTime() + noticeDays * DAY));
      const sent = await notify(
        token,
        notice,
        (recipients) => ({
          type: 'token.idle',
          streamKey: token.id,
          data: {
            token: eventTokenOfRow(token),
            lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
            disableAt: disableAt.toISOString(),
            recipients,
          },
        }),
        idleMail(token, disableAt),
      );
      if (sent) counts.idle += 1;
    }
    return counts;
  };

  const runOnce = async (): Promise<NoticeRound> => {
    const at = now();
    return { expiring: await expiring(at), expired: await expired(at), ...(await idle(at)) };
  };

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  return {
    runOnce,
    start() {
      if (timer) return;
      timer = setInterval(() => {
        running = running.then(() => runOnce().catch(onError));
      }, deps.intervalMs ?? 60_000);
      timer.unref();
      running = runOnce().catch(onError);
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
};
