import type { PepperHash } from '../../crypto/pepper-hash.ts';
import type { AttemptCounters } from '../../storage/attempt-counters.ts';
import type { UserService, UserView } from './user-service.ts';

/**
 * Signing in: a password check behind two rate limits, one per username (slows guessing one
 * person's password from many addresses) and one per client address (slows trying one password on
 * many usernames). A limited caller's password is not even checked, so further tries teach it
 * nothing; unknown usernames count like known ones, so the limits tell nobody which usernames
 * exist. A success clears its username's count (not its address's: one address may be a whole
 * office behind NAT, hence the larger allowance).
 */
export type SignInLimits = {
  perUsername: { attempts: number; windowSeconds: number };
  perAddress: { attempts: number; windowSeconds: number };
};

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = {
  perUsername: { attempts: 10, windowSeconds: 15 * 60 },
  perAddress: { attempts: 100, windowSeconds: 15 * 60 },
};

export type SignInResult =
  | { outcome: 'signed-in'; user: UserView }
  | { outcome: 'wrong-credentials' }
  | { outcome: 'throttled'; retryAfterSeconds: number };

export type SignIn = ReturnType<typeof createSignIn>;

export const createSignIn = (deps: {
  users: Pick<UserService, 'authenticate'>;
  counters: AttemptCounters;
  /** Keys the counters by HMAC, so neither usernames nor addresses are stored in clear. */
  keyHash: PepperHash;
  limits?: SignInLimits;
}) => {
  const limits = deps.limits ?? DEFAULT_SIGN_IN_LIMITS;
  const { counters } = deps;
  const usernameKey = (username: string) => `sign-in:user:${deps.keyHash.digest(username.toLowerCase())}`;
  const addressKey = (address: string) => `sign-in:ip:${deps.keyHash.digest(address)}`;

  return {
    async attempt(input: { username: string; password: string; address: string }): Promise<SignInResult> {
      const byUser = usernameKey(input.username);
      const byAddress = addressKey(input.address);
      // Counted before the password is checked: concurrent tries cannot all slip under the limit.
      const [userWindow, addressWindow] = await Promise.all([
        counters.hit(byUser, limits.perUsername.windowSeconds),
        counters.hit(byAddress, limits.perAddress.windowSeconds),
      ]);
      const retryAfterSeconds = Math.max(
        userWindow.count > limits.perUsername.attempts ? userWindow.resetsInSeconds : 0,
        addressWindow.count > limits.perAddress.attempts ? addressWindow.resetsInSeconds : 0,
      );
      if (retryAfterSeconds > 0) return { outcome: 'throttled', retryAfterSeconds };

      const user = await deps.users.authenticate(input.username, input.password);
      if (user) {
        await counters.reset(byUser);
        return { outcome: 'signed-in', user };
      }
      return { outcome: 'wrong-credentials' };
    },
  };
};
