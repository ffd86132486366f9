import { invalidFields } from '../../errors.ts';
import type { Expiry } from './access-token.ts';
import { endOfDay } from './token-request.ts';

const DAY_MS = 86_400_000;

const date = (at: Date) => at.toISOString().slice(0, 10);

/**
 * When a new token expires, for a request token-request.ts has checked: `expiresInDays` whole days
 * from now, or the end (UTC) of the `expiresAt` day, or never.
 *
 * A token made with another token never outlives it (`ceiling`). The request is compared with the
 * ceiling in the units it was made in — whole days, or a date — and a request that fits is capped at
 * the ceiling's instant (a second before it): a 30-day PAT can make a "30-day" token a minute (or hours) later, which
 * then expires with the PAT, rather than one refused for the minute that has passed (or for the
 * milliseconds a ceiling read from a JWT's `exp` loses). A refusal names the field that was sent,
 * or none when the expiry was left out.
 */
export const resolveExpiry = (
  input: Expiry,
  options: { now: Date; ceiling?: Date | null | undefined },
): Date | null => {
  const { now, ceiling } = options;
  const requested =
    input.expiresInDays !== undefined
      ? new Date(now.getTime() + input.expiresInDays * DAY_MS)
      : input.expiresAt !== undefined
        ? endOfDay(input.expiresAt)
        : null;
  if (!ceiling) return requested;

  const until = `the token you are using, which expires ${ceiling.toISOString()}`;
  if (requested === null) {
    throw invalidFields([
      {
        detail: `a token created with another token cannot outlive it: give {expiresAt} or {expiresInDays}, no later than ${until}`,
      },
    ]);
  }
  const fits =
    input.expiresInDays !== undefined
      ? input.expiresInDays <= Math.ceil((ceiling.getTime() - now.getTime()) / DAY_MS)
      : input.expiresAt !== undefined && input.expiresAt <= date(ceiling);
  if (!fits) {
    const field = input.expiresInDays !== undefined ? 'expiresInDays' : 'expiresAt';
    const detail =
      field === 'expiresInDays'
        ? `is longer than ${until} (a token cannot outlive its parent)`
        : `is later than ${until} (a token cannot outlive its parent)`;
    throw invalidFields([{ field, detail }]);
  }
  // The ceiling comes in whole seconds, rounded up from the parent's own expiry (a token entry's
  // or a JWT's `exp`): a second less can never outlive the parent.
  const cap = new Date(Math.floor(ceiling.getTime() / 1000) * 1000 - 1000);
  return requested.getTime() > cap.getTime() ? cap : requested;
};
