/**
 * Payload keys rotate without downtime: the API and the worker restarted with
 * a new key first in TEMPORAL_PAYLOAD_KEYS seal what they write with it, and
 * still open what the old key sealed (the worker replays the dossier's whole
 * history after its restart).
 */
import { Client, Connection } from '@temporalio/client';
import { METADATA_ENCODING_KEY } from '@temporalio/common';
import { describe, expect, inject, it } from 'vitest';
import { buildApp } from '../../../api/app.js';
import { loadApiConfig } from '../../../api/config.js';
import { dataConverterOf } from '../../../temporal/data-converter.js';
import { KEY_ID_METADATA } from '../../../temporal/payload-codec.js';
import { loggedIn } from '../../support/accounts.js';
import { apiClient, dossierPath } from '../../support/api-client.js';
import { civilStatusOf, createSelection, hoursFromNow } from '../../support/fixtures.js';
import { payloadKeysOf, ROTATED_KEY, TEST_PAYLOAD_KEYS } from '../../support/payload-keys.js';
import { PUBLIC_BASE_URL, startTestWorker, testApiEnv, useTestStack } from '../../support/stack.js';

describe('payload key rotation', () => {
  const stack = useTestStack();

  it('seals new payloads with the new key and goes on reading the dossier the old key sealed', async () => {
    const { selectionId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) });
    const candidate = await loggedIn(stack);
    const before = apiClient(stack.app, { token: candidate.token });
    const opened = await before.call('POST', `/api/selections/${selectionId}/dossiers`);
    const base = dossierPath(opened.body.dossierId);
    expect((await before.call('PUT', `${base}/civil-status`, civilStatusOf(1))).status).toBe(200);

    // The rotation: every process restarts with the new key first, the old one kept after it.
    await stack.stopWorker();
    const rotatedKeys = `${ROTATED_KEY},${TEST_PAYLOAD_KEYS}`;
    const dataConverter = dataConverterOf(payloadKeysOf(rotatedKeys));
    const worker = await startTestWorker({ database: stack.database, mailer: stack.mailer, taskQueue: stack.taskQueue, dataConverter });
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    const temporal = new Client({ connection, namespace: 'default', dataConverter });
    const config = loadApiConfig({ ...testApiEnv, TEMPORAL_PAYLOAD_KEYS: rotatedKeys, TEMPORAL_TASK_QUEUE: stack.taskQueue, PUBLIC_BASE_URL });
    const app = await buildApp({ config, database: stack.database, temporal, mailer: stack.mailer });
    try {
      const after = apiClient(app, { token: candidate.token });
      const saved = await after.call('PUT', `${base}/situation`, { status: 'etudiant' });
      expect(saved.status).toBe(200);
      // The state the restarted worker rebuilt from the old payloads is whole: the civil status is still there.
      expect(saved.body.civilStatus).toMatchObject({ lastName: 'Martin-1' });
      expect(saved.body.situation).toEqual({ status: 'etudiant' });

      const history = await temporal.workflow.getHandle(opened.body.dossierId).fetchHistory();
      const keyIds = (history.events ?? [])
        .flatMap((event) => event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.args?.payloads ?? [])
        .filter((payload) => new TextDecoder().decode(payload.metadata?.[METADATA_ENCODING_KEY] ?? new Uint8Array()) === 'binary/encrypted')
        .map((payload) => new TextDecoder().decode(payload.metadata![KEY_ID_METADATA]!));
      // The civil status (before) and the situation (after), each sealed with the key first in the list at the time.
      expect(keyIds).toEqual(['test-key-1', 'test-key-2']);

      // A process given only the old key cannot read what the new key sealed, and says which key it lacks.
      await expect(stack.temporal.workflow.getHandle(opened.body.dossierId).query('getDossier')).rejects.toThrow(/test-key-2/);
    } finally {
      await app.close();
      await worker.shutdown();
      await connection.close();
    }
  });
});
