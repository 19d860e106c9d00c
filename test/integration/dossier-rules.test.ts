import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedIn } from '../support/accounts.js';
import { candidateClient, civilStatus, dossierPath, fillDossier } from '../support/dossiers.js';
import { multipartFile, samplePdf } from '../support/files.js';
import { createSelection, hoursFromNow } from '../support/fixtures.js';
import { eventually, startTestStack, type TestStack } from '../support/stack.js';

const SECOND_IN_DAYS = 1 / 86_400;

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
    const client = candidateClient(stack, user.headers);
    const opened = await client.call('POST', `/selections/${selectionId}/dossiers`);
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
    expect(cleared.body.diplomas[0]).toEqual({ id: diploma.body.diplomas[0].id, noDiploma: false, title: 'BTS SP3S' });
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
    const stranger = candidateClient(stack, (await loggedIn(stack)).headers);
    expect((await stranger.call('GET', base)).status).toBe(404);
    expect((await stranger.call('PUT', `${base}/civil-status`, civilStatus)).status).toBe(404);
    expect((await stranger.upload(`${base}/documents/cv`, samplePdf('x'), 'x.pdf')).status).toBe(404);
    expect((await stranger.call('GET', `${base}/files/${fileId}`)).status).toBe(404);
    expect((await stranger.call('POST', `${base}/declaration`, { complete: false })).status).toBe(404);
    // Nor through another dossier's URL: a file is served only from the dossier that holds it.
    const own = await openDossierFor(stranger);
    expect((await stranger.call('GET', `${own}/files/${fileId}`)).status).toBe(404);

    const office = await loggedIn(stack, { role: 'office', trainingIds: [trainingId] });
    const download = await stack.app.inject({ method: 'GET', url: `${base}/files/${fileId}`, headers: office.headers });
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload.equals(samplePdf('secret'))).toBe(true);
  });

  async function openDossierFor(client: ReturnType<typeof candidateClient>) {
    return dossierPath((await client.call('POST', `/selections/${selectionId}/dossiers`)).body.dossierId);
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
    const dossierId = await fillDossier(stack, other.headers, selectionId);
    const client = candidateClient(stack, other.headers);
    expect((await client.call('POST', `${dossierPath(dossierId)}/declaration`, { complete: true })).body.status).toBe('SUBMITTED');
    expect((await client.call('POST', `${dossierPath(dossierId)}/withdrawal`)).body.code).toBe('DOSSIER_LOCKED');
  });

  it('refuses every change after the closing date with a French 409, then closes the dossier as EXPIRED', async () => {
    const { selectionId: closing } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: new Date(Date.now() + 2_500) });
    const user = await loggedIn(stack);
    const client = candidateClient(stack, user.headers);
    const base = dossierPath((await client.call('POST', `/selections/${closing}/dossiers`)).body.dossierId);
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

describe('deadline, reminders and extensions', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack?.close());

  it('reminds an unfinished dossier before the closing date, never a complete one', async () => {
    // Closes in 8 s, reminder 5 s before: the reminder is due about 3 s from now.
    const { selectionId } = await createSelection(stack.database.models, {
      opensAt: hoursFromNow(-1),
      closesAt: new Date(Date.now() + 8_000),
      reminderOffsetsDays: [5 * SECOND_IN_DAYS],
    });
    const unfinished = await loggedIn(stack);
    await candidateClient(stack, unfinished.headers).call('POST', `/selections/${selectionId}/dossiers`);

    const complete = await loggedIn(stack);
    await stack.database.models.Account.updateOne({ _id: complete.accountId }, { $set: { emailVerifiedAt: new Date() } });
    const dossierId = await fillDossier(stack, complete.headers, selectionId);
    expect((await candidateClient(stack, complete.headers).call('POST', `${dossierPath(dossierId)}/declaration`, { complete: true })).body.status).toBe('SUBMITTED');

    const reminder = await stack.catcher.waitFor((e) => e.to.includes(unfinished.email) && e.subject.startsWith('Plus que'), 15_000);
    expect(reminder.text).toContain('Il reste à fournir :');
    expect(reminder.text).toContain('  - CV à téléverser');
    await stack.catcher.waitFor((e) => e.to.includes(unfinished.email) && e.subject.startsWith('Inscriptions closes'), 15_000);
    expect(stack.catcher.messages.filter((e) => e.to.includes(complete.email) && (e.subject.startsWith('Plus que') || e.subject.startsWith('Inscriptions closes')))).toEqual([]);
    const submitted = await stack.database.models.Dossier.findById(dossierId).lean();
    expect(submitted?.status).toBe('SUBMITTED');
  });

  it("moves every open dossier's deadline at once when the office extends the selection", async () => {
    const { selectionId, trainingId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: new Date(Date.now() + 4_000) });
    const candidates = [await loggedIn(stack), await loggedIn(stack)];
    const dossierIds: string[] = [];
    for (const candidate of candidates) {
      dossierIds.push((await candidateClient(stack, candidate.headers).call('POST', `/selections/${selectionId}/dossiers`)).body.dossierId);
    }
    const otherOffice = await loggedIn(stack, { role: 'office', trainingIds: ['elsewhere'] });
    const newClosesAt = hoursFromNow(24 * 7).toISOString();
    const refused = await stack.app.inject({ method: 'POST', url: `/staff/selections/${selectionId}/closing-date`, headers: otherOffice.headers, payload: { closesAt: newClosesAt } });
    expect(refused.statusCode).toBe(404);

    const office = await loggedIn(stack, { role: 'office', trainingIds: [trainingId] });
    const extended = await stack.app.inject({ method: 'POST', url: `/staff/selections/${selectionId}/closing-date`, headers: office.headers, payload: { closesAt: newClosesAt } });
    expect(extended.statusCode).toBe(200);
    expect(extended.json()).toEqual({ closesAt: newClosesAt, dossiersUpdated: 2, dossiersFailed: 0 });
    // Sending the same date again is a harmless re-send.
    const again = await stack.app.inject({ method: 'POST', url: `/staff/selections/${selectionId}/closing-date`, headers: office.headers, payload: { closesAt: newClosesAt } });
    expect(again.json()).toMatchObject({ dossiersUpdated: 2, dossiersFailed: 0 });

    for (const dossierId of dossierIds) {
      const state = await eventually(async () => {
        const record = await stack.database.models.Dossier.findById(dossierId).lean();
        return record?.state.closesAt === newClosesAt ? record : undefined;
      });
      expect(state.status).toBe('DRAFT');
    }
    // Past the old closing date, the dossiers are still open and editable.
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    const client = candidateClient(stack, candidates[0]!.headers);
    expect((await client.call('PUT', `${dossierPath(dossierIds[0]!)}/civil-status`, civilStatus)).status).toBe(200);

    const earlier = await stack.app.inject({ method: 'POST', url: `/staff/selections/${selectionId}/closing-date`, headers: office.headers, payload: { closesAt: hoursFromNow(1).toISOString() } });
    expect(earlier.statusCode).toBe(400);
    expect(earlier.json().code).toBe('DEADLINE_NOT_LATER');
  });

  it('does not expire a dossier whose extension signal was missed: it checks the selection first', async () => {
    const { selectionId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: new Date(Date.now() + 3_000) });
    const user = await loggedIn(stack);
    const dossierId: string = (await candidateClient(stack, user.headers).call('POST', `/selections/${selectionId}/dossiers`)).body.dossierId;
    const later = hoursFromNow(48);
    await stack.database.models.Selection.updateOne({ _id: selectionId }, { $set: { closesAt: later } }); // no signal sent
    const moved = await eventually(async () => {
      const record = await stack.database.models.Dossier.findById(dossierId).lean();
      return record?.state.closesAt === later.toISOString() ? record : undefined;
    }, 15_000);
    expect(moved.status).toBe('DRAFT');
  });

  it('returns the same dossier when "+ S\'inscrire" is sent twice at once', async () => {
    const { selectionId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(24) });
    const user = await loggedIn(stack);
    const client = candidateClient(stack, user.headers);
    const [a, b] = await Promise.all([client.call('POST', `/selections/${selectionId}/dossiers`), client.call('POST', `/selections/${selectionId}/dossiers`)]);
    expect(a.body.dossierId).toBe(b.body.dossierId);
    expect(await stack.database.models.Dossier.countDocuments({ selectionId })).toBe(1);
    await stack.catcher.waitFor((e) => e.to.includes(user.email) && e.subject.startsWith("Votre dossier d'inscription"));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(stack.catcher.messages.filter((e) => e.to.includes(user.email))).toHaveLength(1);
  });
});
