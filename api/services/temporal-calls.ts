import { type Client, ServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { setTimeout as delay } from 'node:timers/promises';
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

const GRPC_FAILED_PRECONDITION = 9;

/**
 * "Workflow Task in failed state": the workflow's last task failed or timed
 * out (its worker died holding it, or was too slow), and Temporal refuses
 * Updates until the next task runs, a moment later on any worker. Nothing was
 * admitted, so the same call may be sent again.
 */
function isTaskMomentarilyFailed(error: unknown): boolean {
  if (!(error instanceof ServiceError)) return false;
  const cause = error.cause as { code?: unknown; details?: unknown } | undefined;
  return cause?.code === GRPC_FAILED_PRECONDITION && /workflow task in failed state/i.test(String(cause.details ?? error.message));
}

/**
 * Runs one call to Temporal within `timeoutMs` (the client otherwise retries
 * for tens of seconds), answering 503 with a French message when Temporal is
 * out of reach, so a request never hangs nor ends in a 500 for it. A workflow
 * between two tasks is asked again until the deadline.
 */
export async function callTemporal<T>(temporal: Client, timeoutMs: number, call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await temporal.withDeadline(deadline, call);
    } catch (error) {
      if (isTemporalUnavailable(error)) throw errors.workflowUnavailable();
      if (!isTaskMomentarilyFailed(error)) throw error;
      if (Date.now() + 250 >= deadline) throw errors.workflowUnavailable();
      await delay(250);
    }
  }
}
