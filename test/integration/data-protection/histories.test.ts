/**
 * What the Temporal server keeps of a candidate: nothing readable. Every
 * payload is encrypted (temporal/payload-codec.ts), visibility holds ids and
 * statuses, and a history holds each piece of personal data once at most (the
 * step that carried it), not a copy after every step.
 */
import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { postgresBinDir } from '../../../dev/postgres.js';
import { describe, expect, inject, it } from 'vitest';
import { accountEmailWorkflowId } from '../../../workflows/accounts/contract.js';
import { accountEmailWorkflow } from '../../../workflows/accounts/workflow.js';
import { loggedIn } from '../../support/accounts.js';
import { apiClient, dossierPath } from '../../support/api-client.js';
import { createSelection, hoursFromNow } from '../../support/fixtures.js';
import { samplePdf } from '../../support/files.js';
import { historyFootprint, occurrences } from '../../support/history.js';
import { candidateJourney } from '../../support/journey.js';
import { eventually, useTestStack, useClientWithoutCodec } from '../../support/stack.js';

const run = promisify(execFile);

/**
 * The Temporal server's own storage: every row of its two PostgreSQL databases
 * as pg_dump writes them, with each bytea value (hex in the dump) decoded back
 * to its bytes, so a payload stored in clear would be found as it was sent.
 */
async function temporalStorage(): Promise<Buffer> {
  const dumps = await Promise.all(inject('temporalDatabases').map(async (url) => (await run(join(postgresBinDir()!, 'pg_dump'), ['--data-only', url], { maxBuffer: 1 << 30 })).stdout));
  const text = dumps.join('\n');
  const blobs = [...text.matchAll(/\\x([0-9a-f]+)/g)].map((match) => Buffer.from(match[1]!, 'hex'));
  return Buffer.concat([Buffer.from(text), ...blobs]);
}

describe('what the Temporal server keeps of a candidate', () => {
  const stack = useTestStack();
  // A client without the codec, as anyone reading the server directly (the Web UI, `temporal workflow show`) is.
  const withoutCodec = useClientWithoutCodec();
  let walked: { dossierId: string; personal: string[] };

  it("holds a fully walked dossier's personal data encrypted, each piece once, in a history a third of its former size", async () => {
    const { selectionId, trainingId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) });
    const candidate = await loggedIn(stack);
    await stack.database.models.Account.updateOne({ _id: candidate.accountId }, { $set: { emailVerifiedAt: new Date() } });
    const office = await loggedIn(stack, { role: 'office', trainingIds: [trainingId] });
    const client = apiClient(stack.app, { token: candidate.token });
    const staff = apiClient(stack.app, { token: office.token });
    // The guide's steps (civil status with n = 987654 as last name), then the office's review and a request for changes.
    const dossierId = await candidateJourney(client, selectionId, { n: 987654 });
    const staffPath = `/api/staff/dossiers/${encodeURIComponent(dossierId)}`;
    const submitted = (await staff.call('GET', dossierPath(dossierId))).body;
    expect((await staff.call('POST', `${staffPath}/reviews`, { fileId: submitted.documents.cv.fileId, verdict: 'accepted' })).status).toBe(200);
    expect((await staff.call('POST', `${staffPath}/reviews`, { fileId: submitted.documents.identity.fileId, verdict: 'refused', comment: 'photo floue' })).status).toBe(200);
    expect((await staff.call('POST', `${staffPath}/decision`, { decision: 'requestChanges', comment: 'Pièce illisible.', items: ["Pièce d'identité"] })).status).toBe(200);
    expect((await client.upload(`${dossierPath(dossierId)}/documents/identity`, samplePdf('lisible'), 'cni.pdf')).status).toBe(200);
    expect((await client.call('POST', `${dossierPath(dossierId)}/declaration`, { complete: true })).body.status).toBe('SUBMITTED');
    expect((await staff.call('POST', `${staffPath}/decision`, { decision: 'validate' })).body.status).toBe('VALIDATED');
    await stack.catcher.waitFor((email) => email.to.includes(candidate.email) && email.subject.includes('validé'));
    await stack.temporal.workflow.getHandle(dossierId).result();

    const personal = ['Martin-987654', candidate.email, candidate.identifier, '1998-06-02', 'Vichy', '3 rue Blatin', '06 11 22 33 44'];
    const footprint = await historyFootprint(stack.temporal, dossierId);
    // The figures of docs/DATA-PROTECTION.md, printed by each run.
    console.info(`walked dossier: ${footprint.events} events, ${footprint.raw.length} bytes of history, ${footprint.decoded.length} bytes of decoded payloads`);
    for (const needle of personal) {
      // In clear: nowhere in what the server hands out.
      expect(occurrences(footprint.raw, needle), needle).toBe(0);
      // Opened with the key: the step that carried it, once (the e-mails read the address from the record).
      expect(occurrences(footprint.decoded, needle), needle).toBeLessThanOrEqual(1);
    }
    // The same walk at b02befb (each Update answering the whole dossier): 176 events, 100,771 bytes, 73,791 bytes of
    // payloads, the last name 18 times and the e-mail 24 times in clear. Now about 35 KB, of which under 10 KB payloads
    // (half of them the engine's own local-activity markers); the rest is the engine's per-event cost.
    expect(footprint.raw.length).toBeLessThan(100_771 / 2.5);
    expect(footprint.decoded.length).toBeLessThan(73_791 / 6);

    // Visibility (what the Web UI lists and filters) holds the status and ids only.
    const description = await withoutCodec.client.workflow.getHandle(dossierId).describe();
    expect(JSON.stringify(description.raw.workflowExecutionInfo)).not.toMatch(new RegExp(personal.map((p) => p.replace(/[.+]/g, '\\$&')).join('|')));
    expect(description.searchAttributes).toMatchObject({ DossierStatus: ['VALIDATED'], SelectionId: [selectionId], CandidateId: [candidate.accountId] });
    walked = { dossierId, personal };
  });

  it('keeps nothing typed into a password reset in the history of its e-mail, whether the account exists or not', async () => {
    const typed = { identifier: `nobody-${randomUUID().slice(0, 6)}`, email: `nobody-${randomUUID().slice(0, 6)}@example.org` };
    const started = new Date();
    expect((await stack.app.inject({ method: 'POST', url: '/api/auth/password-reset', payload: typed })).statusCode).toBe(202);
    const query = `WorkflowType = 'accountEmailWorkflow' AND TaskQueue = '${stack.taskQueue}' AND StartTime >= '${started.toISOString()}'`;
    const [execution] = await eventually(async () => {
      const found = [];
      for await (const workflow of stack.temporal.workflow.list({ query })) found.push(workflow);
      return found.length > 0 && found;
    });
    await stack.temporal.workflow.getHandle(execution!.workflowId).result();
    const footprint = await historyFootprint(stack.temporal, execution!.workflowId);
    for (const needle of [typed.identifier, typed.email]) {
      expect(occurrences(footprint.raw, needle)).toBe(0);
      expect(occurrences(footprint.decoded, needle)).toBe(0);
    }
    expect(footprint.decoded).toContain('"accountId":null');
  });

  it("holds no personal data in clear in the server's database file, where a payload sent in clear shows (the search works)", async () => {
    expect(walked, 'the dossier of the first test').toBeDefined();
    // The control: the same server, a payload written without the codec.
    const marker = `controle-en-clair-${randomUUID()}@example.org`;
    const control = accountEmailWorkflowId(randomUUID());
    await withoutCodec.client.workflow.start(accountEmailWorkflow, { workflowId: control, taskQueue: stack.taskQueue, args: [{ kind: 'signupOnExistingEmail', email: marker }] });
    // Its result comes back encrypted by the worker: read with the key.
    await stack.temporal.workflow.getHandle(control).result();
    expect(occurrences((await historyFootprint(withoutCodec.client, control)).raw, marker)).toBeGreaterThan(0);
    await eventually(async () => occurrences(await temporalStorage(), marker) > 0);

    const storage = await temporalStorage();
    for (const needle of walked.personal) expect(occurrences(storage, needle), needle).toBe(0);
    // The dossier is there, by its id (ids are not personal data on their own; docs/DATA-PROTECTION.md).
    expect(occurrences(storage, walked.dossierId)).toBeGreaterThan(0);
  });

});
