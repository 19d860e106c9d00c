/**
 * A write refused by a unique index. MongoDB says so with code 11000 on
 * inserts and updates alike; FerretDB v1 on SQLite does for inserts, but an
 * update that breaks a unique index comes back as code 1 with SQLite's
 * "UNIQUE constraint failed" (measured: test/integration/database.test.ts).
 */
export function isDuplicateKeyError(error: unknown): boolean {
  const { code, message } = error as { code?: number; message?: string };
  return code === 11000 || (code === 1 && /UNIQUE constraint failed/.test(message ?? ''));
}
