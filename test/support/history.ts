/**
 * A workflow's history as the Temporal server keeps it (raw bytes, what the
 * Web UI and `temporal workflow show` get) and as the codec opens it: to
 * search both for personal data, and to weigh it; `payloadsIn` finds every
 * payload of a history (for the codec endpoint's tests).
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
// The package is CommonJS: Node's ESM loader offers its exports on the default import only.
import proto from '@temporalio/proto';
import { testDataConverter } from './payload-keys.js';

export interface HistoryFootprint {
  events: number;
  /** The history's protobuf bytes, as stored. */
  raw: Buffer;
  /** Every payload opened with the test key and turned back into JSON, one per line. */
  decoded: string;
}

export function payloadsIn(value: unknown, found: Payload[] = []): Payload[] {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return found;
  const candidate = value as { metadata?: unknown; data?: unknown };
  if (candidate.metadata && typeof candidate.metadata === 'object' && 'encoding' in candidate.metadata) {
    found.push(candidate as Payload);
    return found;
  }
  for (const child of Object.values(value)) payloadsIn(child, found);
  return found;
}

export async function historyFootprint(temporal: Client, workflowId: string): Promise<HistoryFootprint> {
  const history = await temporal.workflow.getHandle(workflowId).fetchHistory();
  const raw = Buffer.from(proto.temporal.api.history.v1.History.encode(history).finish());
  const [codec] = testDataConverter.payloadCodecs!;
  const opened = await codec!.decode(payloadsIn(history.events));
  const decoded = opened.map((payload) => JSON.stringify(defaultPayloadConverter.fromPayload(payload) ?? null)).join('\n');
  return { events: history.events?.length ?? 0, raw, decoded };
}

/** How many times `needle` occurs in `text`. */
export const occurrences = (text: string | Buffer, needle: string) => {
  let count = 0;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) count += 1;
  return count;
};
