// The package is CommonJS: Node's ESM loader offers its exports on the default import only.
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { workflowBundleOptions } from '../../worker/worker.js';
import { testDataConverter } from '../support/payload-keys.js';
import * as workflows from '../../workflows/index.js';

const historiesDir = fileURLToPath(new URL('./histories/', import.meta.url));
const workflowsDir = fileURLToPath(new URL('../../workflows/', import.meta.url));

/**
 * Recorded dossier histories replayed against today's workflow code: a change
 * that alters the sequence of commands (without a `patched()` guard) fails
 * here, before it reaches the dossiers already running in production.
 * Record them again with `npm run record-histories` (or one with
 * `npm run export-history -- <workflowId> <file>`).
 */
describe('replay of recorded dossier histories', async () => {
  const files = (await readdir(historiesDir)).filter((file) => file.endsWith('.history.bin'));

  const histories = await Promise.all(
    files.map(async (file) => {
      const bytes = await readFile(join(historiesDir, file));
      const history = proto.temporal.api.history.v1.History.decode(bytes);
      return { file, bytes, history, type: history.events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '' };
    }),
  );

  it('has at least one history for every workflow type the worker runs', () => {
    const types = Object.entries(workflows).filter(([, value]) => typeof value === 'function').map(([name]) => name);
    expect(types.length).toBeGreaterThanOrEqual(3);
    expect(types.filter((type) => !histories.some((recorded) => recorded.type === type))).toEqual([]);
  });

  it('has a history taking every patched() branch of the workflow code', async () => {
    // A patch records a marker naming its id: every id in the code must appear in some recorded history.
    const sources = await Promise.all(
      (await readdir(workflowsDir, { recursive: true })).filter((file) => file.endsWith('.ts')).map((file) => readFile(join(workflowsDir, file), 'utf8')),
    );
    const patchIds = sources.flatMap((source) => [...source.matchAll(/\b(?:patched|deprecatePatch)\(\s*['"`]([^'"`]+)['"`]/g)].map((match) => match[1]!));
    expect(patchIds.filter((id) => !histories.some((recorded) => recorded.bytes.includes(Buffer.from(id))))).toEqual([]);
  });

  for (const { file, history } of histories) {
    it(`replays ${file} deterministically`, async () => {
      expect(history.events.length).toBeGreaterThan(5);
      await Worker.runReplayHistory({ ...workflowBundleOptions, dataConverter: testDataConverter }, history, file);
    }, 60_000);
  }
});
