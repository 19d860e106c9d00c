// The package is CommonJS: Node's ESM loader offers its exports on the default import only.
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { workflowsPath } from '../../worker/worker.js';

const historiesDir = fileURLToPath(new URL('./histories/', import.meta.url));

/**
 * Recorded dossier histories replayed against today's workflow code: a change
 * that alters the sequence of commands (without a `patched()` guard) fails
 * here, before it reaches the dossiers already running in production.
 * Record a new one with `npm run export-history -- <workflowId> <file>`.
 */
describe('replay of recorded dossier histories', async () => {
  const files = (await readdir(historiesDir)).filter((file) => file.endsWith('.history.bin'));

  it('has histories to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(2);
  });

  for (const file of files) {
    it(`replays ${file} deterministically`, async () => {
      const history = proto.temporal.api.history.v1.History.decode(await readFile(join(historiesDir, file)));
      expect(history.events.length).toBeGreaterThan(10);
      await Worker.runReplayHistory({ workflowsPath }, history, file);
    }, 60_000);
  }
});
