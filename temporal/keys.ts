import { randomBytes } from 'node:crypto';

/**
 * A new entry for TEMPORAL_PAYLOAD_KEYS: a key id naming the day it was made,
 * so a list reads newest first, and 32 random bytes.
 */
export function newPayloadKeyEntry(now = new Date()): string {
  const id = `k${now.toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(3).toString('hex')}`;
  return `${id}:${randomBytes(32).toString('base64')}`;
}
