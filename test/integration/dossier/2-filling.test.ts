import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedIn } from '../../support/accounts.js';
import { multipartFile, samplePdf } from '../../support/files.js';
import { civilStatus, createSelection, hoursFromNow } from '../../support/fixtures.js';
import { eventually, startTestStack, type TestStack } from '../../support/stack.js';
import { type ApiClient, apiClient, dossierPath } from '../../support/api-client.js';
import { candidateJourney } from '../../support/journey.js';


describe('dossier rules on the real servers', () => {
  let stack: TestStack;
  let selectionId: string;
  let trainingId: string;

  beforeAll(async () => {
    stack = await startTestStack({ apiEnv: { UPLOAD_MAX_MB: '1' } });
    ({ selectionId, trainingId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(24 * 10) }));
  });
  afterAll(() => stack?.close());

  const gridFsFileCount = () => stack.database.connection.db!.collection('files.files').countDocuments();
  const gridFsChunkCount = () => stack.database.connection.db!.collection('files.chunks').countDocuments();
  const fileExists = async (fileId: string) =>
    (await stack.database.connection.db!.collection('files.files').countDocuments({ _id: new mongoose.mongo.ObjectId(fileId) })) === 1;

  async function openDossier() {
    const user = await loggedIn(stack);
    const client = apiClient(stack.app, { token: user.token });
    const opened = await client.call('POST', `/api/selections/${selectionId}/dossiers`);
    return { user, ...client, base: dossierPath(opened.body.dossierId), dossierId: opened.body.dossierId as string };
  }

  it('judges an upload by its bytes, bounds its size, and leaves nothing behind when it refuses one', async () => {
    const { base, upload, user } = await openDossier();
    const [files, chunks] = [await gridFsFileCount(), await gridFsChunkCount()];

    const disguised = await upload(`${base}/documents/cv`, Buffer.from('MZ\x90\x00 not a pdf at all'), 'cv.pdf');
    expect(disguised.status).toBe(415);
    expect(disguised.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining('PDF (conseillé), un JPEG ou un PNG') });

    const big = Buffer.concat([samplePdf('big'), Buffer.alloc(1024 * 1024 + 10, 0x20)]);
    const tooLarge = await upload(`${base}/documents/cv`, big, 'cv.pdf');
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: 'Le fichier dépasse la taille maximale de 1 Mo.' });

    const notMultipart = await stack.app.inject({ method: 'PUT', url: `${base}/documents/cv`, headers: user.headers, payload: { file: 'x' } });
    expect(notMultipart.statusCode).toBe(415);

    expect(await gridFsFileCount()).toBe(files);
    expect(await gridFsChunkCount()).toBe(chunks);
  });

  it('deletes a replaced file and the file of a removed entry, not orphaning them', async () => {
    const { base, upload, call } = await openDossier();
    const first = (await upload(`${base}/documents/identity`, samplePdf('v1'), 'cni.pdf')).body.documents.identity.fileId;
    const second = (await upload(`${base}/documents/identity`, samplePdf('v2'), 'cni-recto-verso.pdf')).body.documents.identity.fileId;
    expect(second).not.toBe(first);
    expect(await fileExists(second)).toBe(true);
    await eventually(async () => !(await fileExists(first)));

    const experience = await call('POST', `${base}/experiences`, { employer: 'Mairie', position: 'Agent', startDate: '2020-01-01', endDate: '2021-01-01' });
    const entryId = experience.body.experiences[0].id;
    const proof = (await upload(`${base}/experiences/${entryId}/proof`, samplePdf('proof'), 'attestation.pdf')).body.experiences[0].proof.fileId;
    const removed = await call('DELETE', `${base}/experiences/${entryId}`);
    expect(removed.body.experiences).toEqual([]);
    await eventually(async () => !(await fileExists(proof)));

    // Leaving the salaried situation drops the employer form with its file.
    await call('PUT', `${base}/situation`, { status: 'salarie' });
    const form = (await upload(`${base}/documents/employerForm`, samplePdf('form'), 'justificatif.pdf')).body.documents.employerForm.fileId;
    const changed = await call('PUT', `${base}/situation`, { status: 'etudiant' });
    expect(changed.body.documents.employerForm).toBeUndefined();
    await eventually(async () => !(await fileExists(form)));
  });

  it('replaces the fields of an edited entry, so an edit can clear a field and the dossier stays readable', async () => {
    const { base, call } = await openDossier();
    const created = await call('POST', `${base}/experiences`, { employer: 'Mairie', position: 'Agent', startDate: '2020-01-01', endDate: '2020-06-01' });
    const entryId = created.body.experiences[0].id;
    const edited = await call('PUT', `${base}/experiences/${entryId}`, { employer: 'Mairie', position: 'Agent', startDate: '2021-01-01' });
    expect(edited.status).toBe(200);
    expect(edited.body.experiences[0]).toEqual({ id: entryId, employer: 'Mairie', position: 'Agent', startDate: '2021-01-01' });
    const diploma = await call('POST', `${base}/diplomas`, { title: 'BTS', year: 2012 });
    const cleared = await call('PUT', `${base}/diplomas/${diploma.body.diplomas[0].id}`, { title: 'BTS SP3S' });
    expect(cleared.body.diplomas[0]).toEqual({ id: diploma.body.diplomas[0].id, title: 'BTS SP3S' });
    expect((await call('GET', base)).status).toBe(200);
  });

  it('answers a broken or cut-off multipart body with a 4xx, leaving no chunk behind', async () => {
    const { base, user } = await openDossier();
    const chunks = await gridFsChunkCount();
    const noBoundary = await stack.app.inject({ method: 'PUT', url: `${base}/documents/cv`, headers: { ...user.headers, 'content-type': 'multipart/form-data' }, payload: 'x' });
    expect(noBoundary.statusCode).toBeGreaterThanOrEqual(400);
    expect(noBoundary.statusCode).toBeLessThan(500);
    const whole = multipartFile(Buffer.concat([samplePdf('cut'), Buffer.alloc(600_000, 0x20)]), 'cv.pdf');
    const cut = await stack.app.inject({
      method: 'PUT',
      url: `${base}/documents/cv`,
      headers: { ...user.headers, ...whole.headers },
      payload: whole.payload.subarray(0, 400_000), // the closing boundary never comes
    });
    expect(cut.statusCode).toBe(400);
    expect(cut.json().message).toContain('incomplet ou mal formé');
    expect(await gridFsChunkCount()).toBe(chunks);
  });

  it('answers bad step data with 400 naming the fields, and unknown entries with 404', async () => {
    const { base, call, upload } = await openDossier();
    const bad = await call('PUT', `${base}/civil-status`, { ...civilStatus, birthDate: '1995-02-30', phone: 'call me', address: { city: '' } });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { field: string }) => d.field)).toEqual(
      expect.arrayContaining(['body.birthDate', 'body.phone', 'body.address.line1', 'body.address.city']),
    );
    const situation = await call('PUT', `${base}/situation`, { status: 'astronaute' });
    expect(situation.status).toBe(400);
    expect(situation.body.details[0]).toMatchObject({ field: 'body.status', message: 'situation inconnue : choisissez-en une dans la liste' });
    expect((await call('POST', `${base}/diplomas`, { year: 2010 })).body.details[0].field).toBe('body.title');
    expect((await call('PUT', `${base}/diplomas/no-such-entry`, { title: 'x' })).status).toBe(404);
    expect((await upload(`${base}/diplomas/no-such-entry/document`, samplePdf(), 'x.pdf')).status).toBe(404);
    const employerForm = await upload(`${base}/documents/employerForm`, samplePdf(), 'x.pdf');
    expect(employerForm.status).toBe(400);
    expect(employerForm.body.message).toContain('ne concerne que les candidats salariés');
  });

  it("keeps another candidate's dossier and files out of reach (404), and lets the training's office read them", async () => {
    const { base, upload } = await openDossier();
    const fileId = (await upload(`${base}/documents/cv`, samplePdf('secret'), 'cv.pdf')).body.documents.cv.fileId;
    const strangerSession = await loggedIn(stack);
    const stranger = apiClient(stack.app, { token: strangerSession.token });
    expect((await stranger.call('GET', base)).status).toBe(404);
    expect((await stranger.call('PUT', `${base}/civil-status`, civilStatus)).status).toBe(404);
    expect((await stranger.upload(`${base}/documents/cv`, samplePdf('x'), 'x.pdf')).status).toBe(404);
    expect((await stranger.call('GET', `${base}/files/${fileId}`)).status).toBe(404);
    expect((await stranger.call('POST', `${base}/declaration`, { complete: false })).status).toBe(404);
    // A step is judged from the dossier's id (api/access.ts): one naming the stranger, for a selection where they
    // have no dossier, is the same 404 — and the workflow is never started by it.
    const strangerId = strangerSession.accountId;
    const unopened = dossierPath(`dossier:${selectionId}:${strangerId}`);
    expect((await stranger.call('PUT', `${unopened}/civil-status`, civilStatus)).body.code).toBe('DOSSIER_NOT_FOUND');
    expect((await stranger.call('POST', `${unopened}/declaration`, { complete: false })).status).toBe(404);
    expect(await stack.database.models.Dossier.exists({ _id: `dossier:${selectionId}:${strangerId}` })).toBeNull();
    // Nor through another dossier's URL: a file is served only from the dossier that holds it.
    const own = await openDossierFor(stranger);
    expect((await stranger.call('GET', `${own}/files/${fileId}`)).status).toBe(404);

    const office = await loggedIn(stack, { role: 'office', trainingIds: [trainingId] });
    const download = await stack.app.inject({ method: 'GET', url: `${base}/files/${fileId}`, headers: office.headers });
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload.equals(samplePdf('secret'))).toBe(true);
  });

  async function openDossierFor(client: ApiClient) {
    return dossierPath((await client.call('POST', `/api/selections/${selectionId}/dossiers`)).body.dossierId);
  }

  it('lets the candidate withdraw a dossier not yet declared complete, and not afterwards', async () => {
    const { base, call, user } = await openDossier();
    const withdrawn = await call('POST', `${base}/withdrawal`);
    expect(withdrawn.body).toMatchObject({ status: 'WITHDRAWN', editable: false });
    await stack.catcher.waitFor((e) => e.to.includes(user.email) && e.subject.startsWith('Dossier retiré'));
    expect((await call('PUT', `${base}/civil-status`, civilStatus)).body.code).toBe('DOSSIER_LOCKED');

    const other = await loggedIn(stack);
    const verified = await stack.database.models.Account.updateOne({ _id: other.accountId }, { $set: { emailVerifiedAt: new Date() } });
    expect(verified.modifiedCount).toBe(1);
    const dossierId = await candidateJourney(apiClient(stack.app, { token: other.token }), selectionId, { readyToDeclare: true });
    const client = apiClient(stack.app, { token: other.token });
    expect((await client.call('POST', `${dossierPath(dossierId)}/declaration`, { complete: true })).body.status).toBe('SUBMITTED');
    expect((await client.call('POST', `${dossierPath(dossierId)}/withdrawal`)).body.code).toBe('DOSSIER_LOCKED');
  });

  it('refuses every change after the closing date with a French 409, then closes the dossier as EXPIRED', async () => {
    const { selectionId: closing } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: new Date(Date.now() + 2_500) });
    const user = await loggedIn(stack);
    const client = apiClient(stack.app, { token: user.token });
    const base = dossierPath((await client.call('POST', `/api/selections/${closing}/dossiers`)).body.dossierId);
    await new Promise((resolve) => setTimeout(resolve, 2_600));
    const late = await client.call('PUT', `${base}/civil-status`, civilStatus);
    expect(late.status).toBe(409);
    expect(late.body.message).toMatch(/inscriptions à cette sélection sont closes/);
    const lateUpload = await client.upload(`${base}/documents/cv`, samplePdf(), 'cv.pdf');
    expect(lateUpload.status).toBe(409);
    expect((await client.call('POST', `${base}/withdrawal`)).status).toBe(409);
    await eventually(async () => (await client.call('GET', base)).body.status === 'EXPIRED');
  });
});
