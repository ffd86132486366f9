import type { Knex } from 'knex';
import type { ResourceRef } from '@tessera/verify';
import * as accessTokens from './tables/access-tokens.ts';
import * as advisoryLocks from './tables/advisory-locks.ts';
import * as apiResources from './tables/api-resources.ts';
import * as auditEvents from './tables/audit-events.ts';
import * as authorizations from './tables/authorizations.ts';
import * as clients from './tables/clients.ts';
import * as events from './tables/events.ts';
import * as memberships from './tables/memberships.ts';
import * as registrationTokens from './tables/registration-tokens.ts';
import * as resources from './tables/resources.ts';
import * as revocations from './tables/revocations.ts';
import * as signingKeys from './tables/signing-keys.ts';
import * as ssfQueue from './tables/ssf-queue.ts';
import * as ssfRemovedSubjects from './tables/ssf-removed-subjects.ts';
import * as ssfStreams from './tables/ssf-streams.ts';
import * as subjects from './tables/subjects.ts';
import * as tokenNotices from './tables/token-notices.ts';
import * as webhookDeliveries from './tables/webhook-deliveries.ts';
import * as webhookSubscriptions from './tables/webhook-subscriptions.ts';

/** Every table function bound to one handle: the pool, or one transaction. */
const bindTables = (knex: Knex) => ({
  apiResources: {
    insert: (input: Parameters<typeof apiResources.insertApiResource>[1]) =>
      apiResources.insertApiResource(knex, input),
    findByIdentifier: (identifier: string) => apiResources.findApiResourceByIdentifier(knex, identifier),
    list: () => apiResources.listApiResources(knex),
    deleteByIdentifier: (identifier: string) => apiResources.deleteApiResourceByIdentifier(knex, identifier),
  },
  clients: {
    insert: (input: Parameters<typeof clients.insertClient>[1]) => clients.insertClient(knex, input),
    upsert: (input: Parameters<typeof clients.upsertClient>[1]) => clients.upsertClient(knex, input),
    findById: (clientId: string) => clients.findClientById(knex, clientId),
    findByIds: (clientIds: string[]) => clients.findClientsByIds(knex, clientIds),
    list: () => clients.listClients(knex),
    deleteById: (clientId: string) => clients.deleteClientById(knex, clientId),
    updateSecretHash: (clientId: string, secretHash: string, previousExpiresAt?: Date | null) =>
      clients.updateClientSecretHash(knex, clientId, secretHash, previousExpiresAt),
    update: (clientId: string, changes: clients.ClientChanges) =>
      clients.updateClient(knex, clientId, changes),
    listIdsUsingResource: (identifier: string) => clients.listClientIdsUsingResource(knex, identifier),
  },
  registrationTokens: {
    insert: (input: registrationTokens.NewRegistrationToken) =>
      registrationTokens.insertRegistrationToken(knex, input),
    findLiveByHash: (tokenHash: string) =>
      registrationTokens.findLiveRegistrationTokenByHash(knex, tokenHash),
    findById: (id: string) => registrationTokens.findRegistrationTokenById(knex, id),
    list: () => registrationTokens.listRegistrationTokens(knex),
    markUsed: (id: string) => registrationTokens.markRegistrationTokenUsed(knex, id),
    revokeById: (id: string) => registrationTokens.revokeRegistrationTokenById(knex, id),
  },
  subjects: {
    insert: (input: subjects.NewSubject) => subjects.insertSubject(knex, input),
    findById: (id: string) => subjects.findSubjectById(knex, id),
    findUserByUsername: (username: string) => subjects.findUserByUsername(knex, username),
    listUsers: () => subjects.listUsers(knex),
    setDisabled: (id: string, disabledAt: Date | null) => subjects.setSubjectDisabled(knex, id, disabledAt),
    updatePasswordHash: (id: string, passwordHash: string) =>
      subjects.updatePasswordHash(knex, id, passwordHash),
  },
  resources: {
    upsert: (input: resources.ResourceInput) => resources.upsertResource(knex, input),
    find: (type: string, id: string) => resources.findResource(knex, type, id),
    listChildren: (type: string, id: string) => resources.listChildResources(knex, type, id),
    delete: (type: string, id: string) => resources.deleteResource(knex, type, id),
    findAncestors: (type: string, id: string) => resources.findAncestors(knex, type, id),
    wouldCreateCycle: (type: string, id: string, parentType: string | null, parentId: string | null) =>
      resources.wouldCreateCycle(knex, type, id, parentType, parentId),
    listByKeys: (keys: readonly ResourceRef[]) => resources.listResourcesByKeys(knex, keys),
    listDescendants: (keys: readonly ResourceRef[]) => resources.listDescendants(knex, keys),
    listAll: () => resources.listAllResources(knex),
  },
  memberships: {
    upsert: (input: memberships.MembershipInput) => memberships.upsertMembership(knex, input),
    delete: (subjectId: string, resourceType: string, resourceId: string) =>
      memberships.deleteMembership(knex, subjectId, resourceType, resourceId),
    find: (subjectId: string, resourceType: string, resourceId: string) =>
      memberships.findMembership(knex, subjectId, resourceType, resourceId),
    listOfSubject: (subjectId: string) => memberships.listMembershipsOfSubject(knex, subjectId),
    listMembers: (resourceType: string, resourceId: string) =>
      memberships.listMembersOfResource(knex, resourceType, resourceId),
  },
  accessTokens: {
    insert: (input: accessTokens.NewAccessToken) => accessTokens.insertAccessToken(knex, input),
    findById: (id: string) => accessTokens.findAccessTokenById(knex, id),
    findByHash: (tokenHash: string) => accessTokens.findAccessTokenByHash(knex, tokenHash),
    list: (filter: accessTokens.AccessTokenListFilter) => accessTokens.listAccessTokens(knex, filter),
    findActiveByName: (query: accessTokens.ActiveTokenNameQuery) =>
      accessTokens.findActiveTokenByName(knex, query),
    revoke: (id: string, revocation: { revokedAt: Date; revokedBy: string }) =>
      accessTokens.revokeAccessToken(knex, id, revocation),
    replaceHash: (id: string, replacement: { tokenHash: string; displayHint: string; rotatedAt: Date }) =>
      accessTokens.replaceTokenHash(knex, id, replacement),
    revokeOfResource: (
      resourceType: string,
      resourceId: string,
      revocation: { revokedAt: Date; revokedBy: string },
    ) => accessTokens.revokeTokensOfResource(knex, resourceType, resourceId, revocation),
    recordLastUsed: (entries: readonly accessTokens.LastUse[]) => accessTokens.recordLastUsed(knex, entries),
  },
  auditEvents: {
    insert: (input: auditEvents.NewAuditEvent) => auditEvents.insertAuditEvent(knex, input),
    list: (filter: auditEvents.AuditEventFilter) => auditEvents.listAuditEvents(knex, filter),
  },
  authorizations: {
    upsert: (input: Parameters<typeof authorizations.upsertAuthorization>[1]) =>
      authorizations.upsertAuthorization(knex, input),
    listOfAccount: (accountId: string) => authorizations.listAuthorizationsOfAccount(knex, accountId),
    deleteOfClient: (accountId: string, clientId: string) =>
      authorizations.deleteAuthorizationsOfClient(knex, accountId, clientId),
  },
  revocations: {
    upsert: (rows: readonly revocations.RevocationRow[]) => revocations.upsertRevocations(knex, rows),
    listSince: (horizon: string | undefined, now: Date) =>
      revocations.listRevocationsSince(knex, horizon, now),
    deleteExpired: (before: Date) => revocations.deleteExpiredRevocations(knex, before),
  },
  signingKeys: {
    list: () => signingKeys.listSigningKeys(knex),
    listVersions: () => signingKeys.listSigningKeyVersions(knex),
    insert: (rows: readonly signingKeys.SigningKeyRow[]) => signingKeys.insertSigningKeys(knex, rows),
    delete: (kids: readonly string[]) => signingKeys.deleteSigningKeys(knex, kids),
  },
  events: {
    insert: (input: events.NewEvent) => events.insertEvent(knex, input),
    findById: (id: string) => events.findEventById(knex, id),
    currentHorizon: () => events.currentEventHorizon(knex),
    listSince: (horizon: string, options?: { types?: readonly string[] }) =>
      events.listEventsSince(knex, horizon, options),
    deleteBefore: (before: Date) => events.deleteEventsBefore(knex, before),
  },
  ssfStreams: {
    insert: (stream: ssfStreams.NewSsfStream) => ssfStreams.insertSsfStream(knex, stream),
    find: (id: string) => ssfStreams.findSsfStream(knex, id),
    /** Only inside `transaction`: locked until it ends. */
    lock: (id: string) => ssfStreams.lockSsfStream(knex, id),
    list: (filter?: { clientId?: string }) => ssfStreams.listSsfStreams(knex, filter),
    update: (id: string, changes: ssfStreams.SsfStreamChanges) =>
      ssfStreams.updateSsfStream(knex, id, changes),
    delete: (id: string) => ssfStreams.deleteSsfStream(knex, id),
  },
  ssfRemovedSubjects: {
    add: (streamId: string, subjectId: string) =>
      ssfRemovedSubjects.addRemovedSubject(knex, streamId, subjectId),
    delete: (streamId: string, subjectId: string) =>
      ssfRemovedSubjects.deleteRemovedSubject(knex, streamId, subjectId),
    count: (streamId: string) => ssfRemovedSubjects.countRemovedSubjects(knex, streamId),
    findAmong: (streamId: string, subjectIds: readonly string[]) =>
      ssfRemovedSubjects.findRemovedSubjects(knex, streamId, subjectIds),
  },
  ssfQueue: {
    enqueue: (entries: readonly ssfQueue.NewSsfQueueEntry[]) => ssfQueue.enqueueSsfEvents(knex, entries),
    listPending: (streamId: string, limit: number) => ssfQueue.listPendingSsfEvents(knex, streamId, limit),
    countPending: (streamId: string) => ssfQueue.countPendingSsfEvents(knex, streamId),
    ack: (streamId: string, jtis: readonly string[], at: Date) =>
      ssfQueue.ackSsfEvents(knex, streamId, jtis, at),
    claimDuePushes: (options: { now: Date; leaseUntil: Date; limit: number }) =>
      ssfQueue.claimDueSsfPushes(knex, options),
    reschedulePush: (id: string, at: Date) => ssfQueue.rescheduleSsfPush(knex, id, at),
    recordPushFailure: (id: string, failure: { error: string; nextAttemptAt: Date }) =>
      ssfQueue.recordSsfPushFailure(knex, id, failure),
    deleteAckedBefore: (before: Date) => ssfQueue.deleteAckedSsfEvents(knex, before),
  },
  webhookSubscriptions: {
    insert: (input: webhookSubscriptions.NewWebhookSubscription) =>
      webhookSubscriptions.insertWebhookSubscription(knex, input),
    findById: (id: string) => webhookSubscriptions.findWebhookSubscriptionById(knex, id),
    findByIds: (ids: readonly string[]) => webhookSubscriptions.findWebhookSubscriptionsByIds(knex, ids),
    list: () => webhookSubscriptions.listWebhookSubscriptions(knex),
    update: (id: string, changes: webhookSubscriptions.WebhookSubscriptionChanges) =>
      webhookSubscriptions.updateWebhookSubscription(knex, id, changes),
    delete: (id: string) => webhookSubscriptions.deleteWebhookSubscription(knex, id),
  },
  webhookDeliveries: {
    enqueueForSubscribers: (event: Parameters<typeof webhookDeliveries.enqueueForSubscribers>[1]) =>
      webhookDeliveries.enqueueForSubscribers(knex, event),
    enqueueForSubscription: (
      subscriptionId: string,
      event: Parameters<typeof webhookDeliveries.enqueueForSubscription>[2],
    ) => webhookDeliveries.enqueueForSubscription(knex, subscriptionId, event),
    claimDue: (options: { now: Date; leaseUntil: Date; limit: number }) =>
      webhookDeliveries.claimDueDeliveries(knex, options),
    recordAttempt: (
      delivery: Pick<webhookDeliveries.ClaimedDelivery, 'id' | 'subscriptionId'>,
      outcome: webhookDeliveries.DeliveryOutcome,
    ) => webhookDeliveries.recordDeliveryAttempt(knex, delivery, outcome),
    release: (id: string) => webhookDeliveries.releaseDelivery(knex, id),
    log: (subscriptionId: string, options: { limit: number; before?: string }) =>
      webhookDeliveries.listDeliveryLog(knex, subscriptionId, options),
  },
  tokenNotices: {
    listExpiringBy: (options: { now: Date; until: Date; limit: number }) =>
      tokenNotices.listTokensExpiringBy(knex, options),
    listExpiredWithoutNotice: (options: { since: Date; now: Date; limit: number }) =>
      tokenNotices.listTokensExpiredWithoutNotice(knex, options),
    listIdleSince: (options: { before: Date; now: Date; limit: number }) =>
      tokenNotices.listTokensIdleSince(knex, options),
    insert: (notice: { tokenId: string; notice: string; sentAt: Date }) =>
      tokenNotices.insertTokenNotice(knex, notice),
    findSentAt: (tokenId: string, notice: string) =>
      tokenNotices.findTokenNoticeSentAt(knex, tokenId, notice),
  },
  locks: {
    /** Only inside `transaction`: the lock is held until that transaction ends. */
    forTransaction: (key: string) => advisoryLocks.lockForTransaction(knex, key),
  },
});

/**
 * The table functions bound to one database handle. The domain receives this object and never
 * sees knex; every SQL statement stays in `tables/`.
 */
export type Repositories = ReturnType<typeof bindTables> & {
  /**
   * Runs `work` with repositories bound to one transaction: committed when `work` resolves,
   * rolled back when it throws. Nested calls become savepoints. While it runs, use only the
   * repositories it is given (on PGlite, the one connection is the transaction's).
   */
  transaction: <T>(work: (repositories: Repositories) => Promise<T>) => Promise<T>;
};

export const createRepositories = (knex: Knex): Repositories => ({
  ...bindTables(knex),
  transaction: (work) => knex.transaction((trx) => work(createRepositories(trx))),
});
