import { type Client, ServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { errors } from '../errors.js';

/** gRPC codes meaning "Temporal cannot be reached right now", not "your request is wrong". */
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_UNAVAILABLE = 14;
const UNAVAILABLE_CODES = new Set<number>([GRPC_DEADLINE_EXCEEDED, GRPC_RESOURCE_EXHAUSTED, GRPC_UNAVAILABLE]);

export function isTemporalUnavailable(error: unknown): boolean {
  // An Update not answered in time (no worker running, or all busy): the request may still land later.
  if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
  if (!(error instanceof ServiceError)) return false;
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' && UNAVAILABLE_CODES.has(code);
}

/**
 * Runs one call to Temporal within `timeoutMs` (the client otherwise retries
 * for tens of seconds), answering 503 with a French message when Temporal is
 * out of reach, so a request never hangs nor ends in a 500 for it.
 */
export async function callTemporal<T>(temporal: Client, timeoutMs: number, call: () => Promise<T>): Promise<T> {
  try {
    return await temporal.withDeadline(Date.now() + timeoutMs, call);
  } catch (error) {
    if (isTemporalUnavailable(error)) throw errors.workflowUnavailable();
    throw error;
  }
}
