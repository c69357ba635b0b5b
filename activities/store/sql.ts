// What every part of the store runs its statements on: the store's connections, or one transaction.
export interface Sql {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
  /** Runs `fn` on one connection in one transaction: committed when it resolves, rolled back when it throws; nested, joins it. */
  transaction<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
