/**
 * How the API reads Temporal's refusals: a workflow between two tasks (its
 * last one failed or timed out) is asked again; a gRPC "unavailable" is a
 * French 503; anything else is the caller's to handle.
 */
import { type Client, ServiceError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../api/errors.js';
import { callTemporal } from '../../api/services/temporal-calls.js';

// A stand-in client: only withDeadline is used, and it just runs the call.
const temporal = { withDeadline: (_deadline: number, call: () => Promise<unknown>) => call() } as unknown as Client;
const grpcError = (code: number, details: string) => new ServiceError('Workflow Update failed', { cause: Object.assign(new Error(`${code} ${details}`), { code, details }) });

describe('callTemporal', () => {
  it('asks again while the workflow task is in failed state, then answers', async () => {
    let calls = 0;
    const answer = await callTemporal(temporal, 5_000, async () => {
      calls += 1;
      if (calls < 3) throw grpcError(9, 'Unable to perform workflow execution update due to Workflow Task in failed state.');
      return 'ok';
    });
    expect(answer).toBe('ok');
    expect(calls).toBe(3);
  });

  it('answers 503 when the workflow stays in that state past the deadline', async () => {
    const failing = () => Promise.reject(grpcError(9, 'Workflow Task in failed state.'));
    await expect(callTemporal(temporal, 600, failing)).rejects.toMatchObject({ statusCode: 503, code: 'SERVICE_UNAVAILABLE' });
  });

  it('answers 503 for an unreachable Temporal and passes another precondition through', async () => {
    await expect(callTemporal(temporal, 1_000, () => Promise.reject(grpcError(14, 'No connection established')))).rejects.toBeInstanceOf(AppError);
    const other = grpcError(9, 'Workflow is not running');
    await expect(callTemporal(temporal, 1_000, () => Promise.reject(other))).rejects.toBe(other);
  });
});
