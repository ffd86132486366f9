import { invalidInput } from '../../errors.ts';
import type { Expiry } from './access-token.ts';

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * When a new token expires: `expiresInDays` whole days from now, or the end (UTC) of the
 * `expiresAt` day, or never — only where the operator's maximum lifetime allows it. A token made
 * with another token can never outlive that token (`ceiling`).
 */
export const resolveExpiry = (
  input: Expiry,
  options: { now: Date; maxLifetimeDays: number | undefined; ceiling?: Date | null | undefined },
): Date | null => {
  const { now, maxLifetimeDays } = options;
  if (input.expiresAt !== undefined && input.expiresInDays !== undefined) {
    throw invalidInput('give expiresAt or expiresInDays, not both', 'expiresAt');
  }
  let expiresAt: Date | null = null;
  if (input.expiresInDays !== undefined) {
    if (!Number.isSafeInteger(input.expiresInDays) || input.expiresInDays < 1) {
      throw invalidInput('expiresInDays must be a whole number of days, 1 or more', 'expiresInDays');
    }
    expiresAt = new Date(now.getTime() + input.expiresInDays * DAY_MS);
  } else if (input.expiresAt !== undefined) {
    const match = DATE.exec(input.expiresAt);
    const endOfDay = match ? new Date(`${input.expiresAt}T23:59:59.999Z`) : undefined;
    if (
      !endOfDay ||
      Number.isNaN(endOfDay.getTime()) ||
      endOfDay.toISOString().slice(0, 10) !== input.expiresAt
    ) {
      throw invalidInput('expiresAt must be a calendar date, YYYY-MM-DD', 'expiresAt');
    }
    if (endOfDay.getTime() <= now.getTime())
      throw invalidInput('expiresAt must be a date in the future', 'expiresAt');
    expiresAt = endOfDay;
  }

  if (maxLifetimeDays !== undefined) {
    const latest = new Date(now.getTime() + maxLifetimeDays * DAY_MS);
    if (expiresAt === null) {
      throw invalidInput(
        `tokens must expire: set expiresAt or expiresInDays (at most ${maxLifetimeDays} days)`,
        'expiresAt',
      );
    }
    // A date may name the last allowed day: its end-of-day rounding passes the limit by hours.
    const endOfLastDay = new Date(`${latest.toISOString().slice(0, 10)}T23:59:59.999Z`);
    if (expiresAt.getTime() > (input.expiresAt ? endOfLastDay : latest).getTime()) {
      throw invalidInput(
        `tokens may live at most ${maxLifetimeDays} days`,
        input.expiresAt ? 'expiresAt' : 'expiresInDays',
      );
    }
  }

  const ceiling = options.ceiling;
  if (ceiling && (expiresAt === null || expiresAt.getTime() > ceiling.getTime())) {
    throw invalidInput(
      `a token created with another token cannot outlive it (it expires ${ceiling.toISOString()})`,
      input.expiresAt ? 'expiresAt' : 'expiresInDays',
    );
  }
  return expiresAt;
};
