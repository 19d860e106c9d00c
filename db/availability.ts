/**
 * Errors meaning "the database cannot be reached right now" (server down,
 * connection lost, mongoose's command buffer timing out while it reconnects),
 * as opposed to a refused or malformed query. Judged by name because mongoose
 * and the driver each have their own classes, some wrapped in the other's.
 */
const UNAVAILABLE_ERROR_NAMES = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
]);

/** Socket errors the driver sometimes lets through unwrapped when the server goes away mid-command (seen: EPIPE). */
const SOCKET_ERROR_CODES = new Set(['EPIPE', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT']);

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth += 1) {
    if (UNAVAILABLE_ERROR_NAMES.has(current.name)) return true;
    if (SOCKET_ERROR_CODES.has(String((current as { code?: unknown }).code))) return true;
    // Mongoose queues commands while disconnected and gives up after `bufferTimeoutMS`.
    if (current.name === 'MongooseError' && /buffering timed out/.test(current.message)) return true;
  }
  return false;
}
