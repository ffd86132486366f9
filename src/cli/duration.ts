import { invalidInput } from '../errors.ts';

const UNIT_SECONDS = { s: 1, m: 60, h: 3_600, d: 86_400 } as const;

/**
 * A duration flag (`90s`, `15m`, `24h`, `7d`) in seconds. A bare number is refused: whether `7`
 * means seconds or days is exactly the mistake a secret's overlap should not depend on.
 */
export const parseDuration = (value: string, flag: string): number => {
  const match = /^(\d{1,7})([smhd])$/.exec(value.trim());
  if (!match) throw invalidInput(`${flag} must be a number with a unit: s, m, h or d (e.g. 24h, 7d)`, flag);
  return Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
};
