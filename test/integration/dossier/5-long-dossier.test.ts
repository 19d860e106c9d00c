import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheDirectory, loadDevConfig } from '../../../dev/config.js';
import { type RunningEngine, startEngine } from '../../../dev/engine.js';
import { provisionTemporalServer } from '../../../dev/provision.js';
import { loggedIn } from '../../support/accounts.js';
import { civilStatus, createSelection, hoursFromNow } from '../../support/fixtures.js';
import { samplePdf } from '../../support/files.js';
import { startTestStack, type TestStack } from '../../support/stack.js';
import { apiClient, dossierPath } from '../../support/api-client.js';
import { candidateJourney } from '../../support/journey.js';

/**
 * An engine of its own that suggests continue-as-new after 40 events (the
 * default is thousands), so a dossier carries its state over several runs
 * within one test.
 */
describe('continue-as-new', () => {
  let engine: RunningEngine;
  let dir: string;
  let stack: TestStack;

  beforeAll(async () => {
    const config = loadDevConfig();
    const binaries = await provisionTemporalServer({ cacheDir: cacheDirectory(config), go: config.GO, log: () => {}, path: config.PATH });
    dir = await mkdtemp(join(tmpdir(), 'candidature-can-'));
    engine = await startEngine({ binaries, dir, logDir: dir, dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 40 } });
    stack = await startTestStack({ temporalAddress: engine.temporal.address });
  });
  afterAll(async () => {
    await stack?.close();
    await engine?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps every step of a long dossier across runs, and its Updates keep working', async () => {
    const { selectionId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(24 * 30) });
    const user = await loggedIn(stack);
    await stack.database.models.Account.updateOne({ _id: user.accountId }, { $set: { emailVerifiedAt: new Date() } });
    const dossierId = await candidateJourney(apiClient(stack.app, { token: user.token }), selectionId, { readyToDeclare: true });
    const client = apiClient(stack.app, { token: user.token });
    const base = dossierPath(dossierId);
    for (let version = 2; version <= 6; version += 1) {
      expect((await client.upload(`${base}/documents/cv`, samplePdf(`cv v${version}`), `cv-v${version}.pdf`)).status).toBe(200);
    }

    const description = await stack.temporal.workflow.getHandle(dossierId).describe();
    expect(description.runId).not.toBe(description.raw.workflowExecutionInfo?.firstRunId);

    const declared = await client.call('POST', `${base}/declaration`, { complete: true });
    expect(declared.status).toBe(200);
    expect(declared.body).toMatchObject({ status: 'SUBMITTED', documents: { cv: { filename: 'cv-v6.pdf' } }, civilStatus: { lastName: 'Martin-0' } });
    expect(declared.body.diplomas).toHaveLength(1);
  });
});
