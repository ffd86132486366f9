import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createPepperHash } from '../../../src/crypto/pepper-hash.ts';
import { createSignIn } from '../../../src/domain/users/sign-in.ts';
import type { UserView } from '../../../src/domain/users/user-service.ts';
import { createMemoryAttemptCounters } from '../../../src/storage/attempt-counters.ts';

const ALICE: UserView = {
  id: 'usr_alice',
  username: 'alice',
  isAdmin: false,
  email: null,
  disabledAt: null,
  createdAt: new Date(0),
};
const LIMITS = {
  perUsername: { attempts: 3, windowSeconds: 60 },
  perAddress: { attempts: 5, windowSeconds: 120 },
};

const setup = () => {
  let now = 1_000_000;
  const checked: string[] = [];
  const signIn = createSignIn({
    users: {
      authenticate: async (username, password) => {
        checked.push(username);
        return username === 'alice' && password === 'right' ? ALICE : undefined;
      },
    },
    counters: createMemoryAttemptCounters({ now: () => now }),
    keyHash: createPepperHash('pepper for the sign-in tests, long enough', 'sign-in-attempts'),
    limits: LIMITS,
  });
  return { signIn, checked, advance: (seconds: number) => (now += seconds * 1000) };
};

const attempt = (
  signIn: ReturnType<typeof setup>['signIn'],
  username: string,
  password: string,
  address = '10.0.0.1',
) => signIn.attempt({ username, password, address });

describe('signing in', () => {
  test('signs in with the right password and says only "wrong" otherwise', async () => {
    const { signIn } = setup();
    assert.deepEqual(await attempt(signIn, 'alice', 'right'), { outcome: 'signed-in', user: ALICE });
    assert.deepEqual(await attempt(signIn, 'alice', 'wrong'), { outcome: 'wrong-credentials' });
    assert.deepEqual(await attempt(signIn, 'nobody', 'wrong'), { outcome: 'wrong-credentials' });
  });

  test('refuses a username after its limit of tries without checking the password, until the window closes', async () => {
    const { signIn, checked, advance } = setup();
    for (const address of ['10.0.0.1', '10.0.0.2', '10.0.0.3'])
      await attempt(signIn, 'Alice', 'wrong', address);
    checked.length = 0;
    assert.deepEqual(await attempt(signIn, 'alice', 'right', '10.0.0.4'), {
      outcome: 'throttled',
      retryAfterSeconds: 60,
    });
    assert.deepEqual(checked, [], 'the password was not even checked');
    advance(60);
    assert.equal((await attempt(signIn, 'alice', 'right')).outcome, 'signed-in');
  });

  test('counts unknown usernames like known ones', async () => {
    const { signIn } = setup();
    for (let i = 0; i < 3; i += 1) await attempt(signIn, 'nobody', 'wrong', `10.0.1.${i}`);
    assert.equal((await attempt(signIn, 'nobody', 'wrong', '10.0.1.9')).outcome, 'throttled');
  });

  test('a success clears the count of its username', async () => {
    const { signIn } = setup();
    await attempt(signIn, 'alice', 'wrong');
    await attempt(signIn, 'alice', 'wrong');
    assert.equal((await attempt(signIn, 'alice', 'right')).outcome, 'signed-in');
    await attempt(signIn, 'alice', 'wrong');
    await attempt(signIn, 'alice', 'wrong');
    assert.equal((await attempt(signIn, 'alice', 'right', '10.0.0.9')).outcome, 'signed-in');
  });

  test('limits one address trying many usernames', async () => {
    const { signIn } = setup();
    for (let i = 0; i < 5; i += 1) await attempt(signIn, `user${i}`, 'wrong', '192.0.2.1');
    assert.deepEqual(await attempt(signIn, 'alice', 'right', '192.0.2.1'), {
      outcome: 'throttled',
      retryAfterSeconds: 120,
    });
    assert.equal((await attempt(signIn, 'alice', 'right', '192.0.2.2')).outcome, 'signed-in');
  });
});
