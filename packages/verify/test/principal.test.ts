import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createPrincipal, type PrincipalFields } from '../src/principal.ts';

const principal = (fields: Partial<PrincipalFields>) =>
  createPrincipal({ subject: 's', scopes: [], kind: 'client', claims: {}, ...fields });

const group42 = { type: 'groups', id: '42' };
const app7 = { type: 'applications', id: '7', ancestors: [group42] };
const instance3 = { type: 'instances', id: '3', ancestors: [{ type: 'applications', id: '7' }, group42] };

describe('principal.can', () => {
  test('read-write implies read-only, never the other way round', () => {
    const writer = principal({ scopes: ['applications:read-write'] });
    assert.equal(writer.can('applications:read-write'), true);
    assert.equal(writer.can('applications:read-only'), true);
    assert.equal(writer.can('groups:read-only'), false);

    const reader = principal({ scopes: ['applications:read-only'] });
    assert.equal(reader.can('applications:read-only'), true);
    assert.equal(reader.can('applications:read-write'), false);
  });

  test('tokens:write implies tokens:read, as in Tessera’s own policy', () => {
    const manager = principal({ scopes: ['tokens:write'] });
    assert.equal(manager.can('tokens:read'), true);
    assert.equal(principal({ scopes: ['tokens:read'] }).can('tokens:write'), false);
  });

  test('client and personal tokens are checked by scope only, whatever the target', () => {
    for (const kind of ['client', 'personal'] as const) {
      const holder = principal({ kind, scopes: ['instances:read-only'] });
      assert.equal(holder.can('instances:read-only', instance3), true);
      assert.equal(holder.can('instances:read-only'), true);
      assert.equal(holder.can('instances:read-write', instance3), false);
    }
  });

  test('a resource access token covers its own resource and what is below it', () => {
    const rat = principal({
      kind: 'resource',
      resource: group42,
      scopes: ['applications:read-write', 'groups:read-only'],
    });
    assert.equal(rat.can('groups:read-only', group42), true);
    assert.equal(rat.can('applications:read-write', app7), true);
    assert.equal(rat.can('applications:read-only', instance3), true);
    assert.equal(
      rat.can('applications:read-only', {
        type: 'applications',
        id: '7',
        ancestors: [{ type: 'groups', id: '43' }],
      }),
      false,
    );
    assert.equal(rat.can('groups:read-only', { type: 'groups', id: '43' }), false);
    // Same id, other type: not the same resource.
    assert.equal(rat.can('applications:read-only', { type: 'applications', id: '42' }), false);
    // A scope it does not hold stays refused on its own resource.
    assert.equal(rat.can('groups:read-write', group42), false);
  });

  test('a resource access token is refused when the action names no resource', () => {
    const rat = principal({ kind: 'resource', resource: group42, scopes: ['groups:read-only'] });
    assert.equal(rat.can('groups:read-only'), false);
  });

  test('a resource access token on an application does not reach its parent group', () => {
    const rat = principal({
      kind: 'resource',
      resource: { type: 'applications', id: '7' },
      scopes: ['applications:read-only'],
    });
    assert.equal(rat.can('applications:read-only', app7), true);
    assert.equal(rat.can('applications:read-only', instance3), true);
    assert.equal(rat.can('applications:read-only', group42), false);
  });

  test('a principal cannot be changed after the fact', () => {
    const holder = principal({ scopes: ['groups:read-only'] });
    assert.throws(() => {
      (holder as { kind: string }).kind = 'personal';
    }, TypeError);
    holder.scopes.push('groups:read-write');
    assert.equal(holder.can('groups:read-write'), false);
  });
});
