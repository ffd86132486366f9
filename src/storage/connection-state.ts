/**
 * What Tessera knows about its connection to one store (Redis, Postgres): connected or not, and
 * why not. It is fed by the clients' own events (ioredis 'ready'/'close', a pg connection that
 * failed or came back) and says each change once — one structured log line per transition, not
 * one per failed command — so an outage of an hour is two lines, not a million.
 */
export type StorageComponent = 'redis' | 'postgres';
export type ConnectionStateName = 'connected' | 'disconnected';

export type ConnectionTransition = {
  component: StorageComponent;
  state: ConnectionStateName;
  /** Why it is disconnected: a socket code (ECONNREFUSED), a SQLSTATE, or a short name. */
  code?: string | undefined;
};

export type ConnectionState = {
  readonly component: StorageComponent;
  /** True from a failure that says the store is unreachable until it answers again. */
  isDown(): boolean;
  /** The last reason it was unreachable, while it is. */
  lastCode(): string | undefined;
  connected(): void;
  disconnected(reason?: unknown): void;
};

/** A short, log-safe name for why a connection failed: never the message (it may carry a host or a password). */
export const errorCode = (reason: unknown): string | undefined => {
  if (typeof reason === 'string') return reason;
  if (typeof reason !== 'object' || reason === null) return undefined;
  const { code, name, message } = reason as { code?: unknown; name?: unknown; message?: unknown };
  if (typeof code === 'string' && code) return code;
  if (reason instanceof AggregateError) return errorCode(reason.errors[0]);
  if (typeof message === 'string') {
    if (/timed out|timeout/i.test(message)) return 'ETIMEDOUT';
    if (/closed|terminated/i.test(message)) return 'ECONNCLOSED';
  }
  return typeof name === 'string' && name !== 'Error' ? name : undefined;
};

export const createConnectionState = (
  component: StorageComponent,
  onTransition: (transition: ConnectionTransition) => void = () => {},
): ConnectionState => {
  // Unknown until the first event: the first 'connected' is logged too (it says the store is up).
  let state: ConnectionStateName | undefined;
  let code: string | undefined;
  return {
    component,
    isDown: () => state === 'disconnected',
    lastCode: () => (state === 'connected' ? undefined : code),
    connected() {
      if (state === 'connected') return;
      state = 'connected';
      code = undefined;
      onTransition({ component, state });
    },
    disconnected(reason) {
      code = errorCode(reason) ?? code;
      if (state === 'disconnected') return;
      state = 'disconnected';
      onTransition({ component, state, code });
    },
  };
};
