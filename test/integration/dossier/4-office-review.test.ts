import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedIn, type TestSession } from '../../support/accounts.js';
import mongoose from 'mongoose';
import { multipartFile, sampleJpeg, samplePdf } from '../../support/files.js';
import { civilStatus, createSelection, hoursFromNow } from '../../support/fixtures.js';
import { eventually, startTestStack, type TestStack } from '../../support/stack.js';
import { apiClient, dossierPath } from '../../support/api-client.js';
import { candidateJourney } from '../../support/journey.js';
import { unzip } from '../../support/zip.js';

/** Parses the export back as French Excel would: BOM, ";" separator, quoted cells. */
function parseCsv(text: string): string[][] {
  expect(text.startsWith('\uFEFF')).toBe(true);
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 1; i < text.length; i += 1) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') (cell += '"'), (i += 1);
      else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ';') row.push(cell), (cell = '');
    else if (char === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      (row = []), (cell = ''), (i += 1);
    } else cell += char;
  }
  return rows;
}

describe('the selection office', () => {
  let stack: TestStack;
  let selectionId: string;
  let officeA: TestSession;
  let officeB: TestSession;

  beforeAll(async () => {
    stack = await startTestStack();
    const created = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(24 * 10) });
    selectionId = created.selectionId;
    officeA = await loggedIn(stack, { role: 'office', trainingIds: [created.trainingId] });
    officeB = await loggedIn(stack, { role: 'office', trainingIds: ['another-training'] });
  });
  afterAll(() => stack?.close());

  /** A verified candidate with a dossier filled and declared complete. */
  async function submittedDossier() {
    const candidate = await loggedIn(stack);
    await stack.database.models.Account.updateOne({ _id: candidate.accountId }, { $set: { emailVerifiedAt: new Date() } });
    const dossierId = await candidateJourney(apiClient(stack.app, { token: candidate.token }), selectionId, { readyToDeclare: true });
    const declared = await apiClient(stack.app, { token: candidate.token }).call('POST', `${dossierPath(dossierId)}/declaration`, { complete: true });
    expect(declared.body.status).toBe('SUBMITTED');
    return { candidate, dossierId };
  }

  const decide = (office: TestSession, dossierId: string, body: object) =>
    stack.app.inject({ method: 'POST', url: `/api/staff/dossiers/${encodeURIComponent(dossierId)}/decision`, headers: office.headers, payload: body });

  it("keeps office B out of office A's selection and dossiers (404), and candidates out of staff routes (403)", async () => {
    const { dossierId, candidate } = await submittedDossier();
    const asB = (url: string) => stack.app.inject({ method: 'GET', url, headers: officeB.headers });
    expect((await asB(`/api/staff/selections/${selectionId}/dossiers`)).statusCode).toBe(404);
    expect((await asB(`/api/staff/selections/${selectionId}/dossiers.csv`)).statusCode).toBe(404);
    expect((await asB(dossierPath(dossierId))).statusCode).toBe(404);
    expect((await decide(officeB, dossierId, { decision: 'validate' })).statusCode).toBe(404);
    const deadline = await stack.app.inject({ method: 'POST', url: `/api/staff/dossiers/${encodeURIComponent(dossierId)}/deadline`, headers: officeB.headers, payload: { deadline: hoursFromNow(24 * 30).toISOString() } });
    expect(deadline.statusCode).toBe(404);
    expect((await decide(candidate, dossierId, { decision: 'validate' })).statusCode).toBe(403);
  });

  it('validates a dossier and e-mails the payment terms; a second decision is a 409', async () => {
    const { candidate, dossierId } = await submittedDossier();
    const validated = await decide(officeA, dossierId, { decision: 'validate' });
    expect(validated.statusCode).toBe(200);
    expect(validated.json()).toMatchObject({ status: 'VALIDATED', decision: { outcome: 'VALIDATED', by: { type: 'staff', id: officeA.accountId } } });
    const email = await stack.catcher.waitFor((e) => e.to.includes(candidate.email) && e.subject.startsWith('Dossier validé'));
    expect(email.text).toContain('Modalités de paiement :');
    expect(email.text).toContain("Les frais d'inscription à la sélection sont à régler");
    const again = await decide(officeA, dossierId, { decision: 'reject', reason: 'trop tard' });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('ILLEGAL_TRANSITION');
  });

  it('rejects a dossier with a reason, e-mailed to the candidate; a draft cannot be decided', async () => {
    const { candidate, dossierId } = await submittedDossier();
    const rejected = await decide(officeA, dossierId, { decision: 'reject', reason: 'Le dossier ne correspond pas aux prérequis de la formation.' });
    expect(rejected.json()).toMatchObject({ status: 'REJECTED', decision: { outcome: 'REJECTED', reason: 'Le dossier ne correspond pas aux prérequis de la formation.' } });
    const email = await stack.catcher.waitFor((e) => e.to.includes(candidate.email) && e.subject.startsWith('Dossier non retenu'));
    expect(email.text).toContain('Motif : Le dossier ne correspond pas aux prérequis de la formation.');

    const draft = await loggedIn(stack);
    const opened = await apiClient(stack.app, { token: draft.token }).call('POST', `/api/selections/${selectionId}/dossiers`);
    const onDraft = await decide(officeA, opened.body.dossierId, { decision: 'validate' });
    expect(onDraft.statusCode).toBe(409);
    expect(onDraft.json().code).toBe('ILLEGAL_TRANSITION');
    expect((await decide(officeA, dossierId, { decision: 'reject', reason: '' })).statusCode).toBe(400);
  });

  it('asks for changes: the candidate is told, edits the dossier and declares it complete again', async () => {
    const { candidate, dossierId } = await submittedDossier();
    // Per-document review first: the CV accepted, the identity document refused.
    const submitted = (await stack.app.inject({ method: 'GET', url: dossierPath(dossierId), headers: officeA.headers })).json();
    const review = (body: object) =>
      stack.app.inject({ method: 'POST', url: `/api/staff/dossiers/${encodeURIComponent(dossierId)}/reviews`, headers: officeA.headers, payload: body });
    expect((await review({ fileId: submitted.documents.cv.fileId, verdict: 'accepted' })).statusCode).toBe(200);
    expect((await review({ fileId: submitted.documents.identity.fileId, verdict: 'refused' })).statusCode).toBe(400); // a refusal needs a comment
    const refused = await review({ fileId: submitted.documents.identity.fileId, verdict: 'refused', comment: 'photo floue' });
    expect(refused.json().reviews[submitted.documents.identity.fileId]).toMatchObject({ verdict: 'refused', comment: 'photo floue', by: { id: officeA.accountId } });
    expect((await review({ fileId: '0123456789abcdef01234567', verdict: 'accepted' })).statusCode).toBe(404);
    const respondBy = hoursFromNow(24 * 20).toISOString();
    const requested = await decide(officeA, dossierId, {
      decision: 'requestChanges',
      comment: 'Votre pièce d’identité est illisible.',
      items: ["Pièce d'identité"],
      respondBy,
    });
    expect(requested.statusCode).toBe(200);
    expect(requested.json()).toMatchObject({ status: 'CHANGES_REQUESTED', deadline: respondBy, changesRequested: { comment: 'Votre pièce d’identité est illisible.' } });
    const email = await stack.catcher.waitFor((e) => e.to.includes(candidate.email) && e.subject.startsWith('Modifications demandées'));
    expect(email.text).toContain('Votre pièce d’identité est illisible.');
    expect(email.text).toContain("  - Pièce d'identité");
    expect(email.text).toContain("  - Pièce d'identité (identity.pdf) : photo floue");

    const client = apiClient(stack.app, { token: candidate.token });
    const base = dossierPath(dossierId);
    const seen = (await client.call('GET', base)).body;
    expect(seen.editable).toBe(true);
    expect(seen.changesRequested.comment).toBe('Votre pièce d’identité est illisible.');
    // The office's internals stay with the office.
    expect(seen.reviews).toBeUndefined();
    expect(seen.history).toBeUndefined();
    expect(seen.revision).toBeUndefined();
    expect((await client.upload(`${base}/documents/identity`, samplePdf('lisible'), 'cni-lisible.pdf')).status).toBe(200);
    const again = await client.call('POST', `${base}/declaration`, { complete: true });
    expect(again.body.status).toBe('SUBMITTED');
    expect((await decide(officeA, dossierId, { decision: 'validate' })).json().status).toBe('VALIDATED');
  });

  it("moves one candidate's deadline past the selection's closing date", async () => {
    const { selectionId: closing, trainingId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: new Date(Date.now() + 3_000) });
    const office = await loggedIn(stack, { role: 'office', trainingIds: [trainingId] });
    const [late, other] = [await loggedIn(stack), await loggedIn(stack)];
    const lateDossier = (await apiClient(stack.app, { token: late.token }).call('POST', `/api/selections/${closing}/dossiers`)).body.dossierId as string;
    const otherDossier = (await apiClient(stack.app, { token: other.token }).call('POST', `/api/selections/${closing}/dossiers`)).body.dossierId as string;
    const deadline = hoursFromNow(24).toISOString();
    const extended = await stack.app.inject({ method: 'POST', url: `/api/staff/dossiers/${encodeURIComponent(lateDossier)}/deadline`, headers: office.headers, payload: { deadline } });
    expect(extended.statusCode).toBe(200);
    expect(extended.json()).toMatchObject({ deadline, editable: true });

    await new Promise((resolve) => setTimeout(resolve, 3_500));
    expect((await apiClient(stack.app, { token: late.token }).call('PUT', `${dossierPath(lateDossier)}/civil-status`, civilStatus)).status).toBe(200);
    const closed = await apiClient(stack.app, { token: other.token }).call('PUT', `${dossierPath(otherDossier)}/civil-status`, civilStatus);
    expect(closed.status).toBe(409);
  });

  it('lists, filters, searches and counts a selection’s dossiers, and exports them as CSV for Excel', async () => {
    const { selectionId: own, trainingId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(24 * 10) });
    const office = await loggedIn(stack, { role: 'office', trainingIds: [trainingId] });
    const drafts = [await loggedIn(stack), await loggedIn(stack)];
    for (const draft of drafts) await apiClient(stack.app, { token: draft.token }).call('POST', `/api/selections/${own}/dossiers`);
    const complete = await loggedIn(stack);
    await stack.database.models.Account.updateOne({ _id: complete.accountId }, { $set: { emailVerifiedAt: new Date() } });
    const completeId = await candidateJourney(apiClient(stack.app, { token: complete.token }), own, { readyToDeclare: true });
    await apiClient(stack.app, { token: complete.token }).call('POST', `${dossierPath(completeId)}/declaration`, { complete: true });

    const list = (query: string) => stack.app.inject({ method: 'GET', url: `/api/staff/selections/${own}/dossiers${query}`, headers: office.headers }).then((r) => r.json());
    const all = await list('');
    expect(all.total).toBe(3);
    expect(all.counts).toMatchObject({ DRAFT: 2, SUBMITTED: 1, VALIDATED: 0 });
    expect(all.selectionTotal).toBe(3);
    expect((await list('?status=SUBMITTED')).items.map((d: { dossierId: string }) => d.dossierId)).toEqual([completeId]);
    expect((await list('?complete=true')).total).toBe(1);
    expect((await list('?complete=false')).total).toBe(2);
    expect((await list(`?q=${encodeURIComponent(complete.identifier)}`)).items.map((d: { dossierId: string }) => d.dossierId)).toEqual([completeId]);
    expect((await list(`?q=${encodeURIComponent(drafts[0]!.email.toUpperCase())}`)).total).toBe(1);
    const paged = await list('?pageSize=2&page=2&sort=updatedAt&order=desc');
    expect(paged).toMatchObject({ total: 3, page: 2, pageSize: 2 });
    expect(paged.items).toHaveLength(1);
    expect((await stack.app.inject({ method: 'GET', url: `/api/staff/selections/${own}/dossiers?pageSize=1000`, headers: office.headers })).statusCode).toBe(400);

    const csv = await stack.app.inject({ method: 'GET', url: `/api/staff/selections/${own}/dossiers.csv`, headers: office.headers });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const rows = parseCsv(csv.body);
    expect(rows[0]).toEqual([
      'Dossier', 'Statut', 'Nom', 'Prénom', 'E-mail', 'Téléphone', 'Date de naissance', 'Ville', 'Situation',
      'Pièces déposées', 'Éléments manquants', 'Diplômes', 'Expériences', 'Déclaré complet le', 'Date limite', 'Décision le',
    ]);
    expect(rows).toHaveLength(4);
    const row = rows.find((r) => r[0] === completeId)!;
    expect(row.slice(1, 9)).toEqual(['Complet, à étudier', 'Martin-0', 'Léa', complete.email, '06 11 22 33 44', '1998-06-02', 'Clermont-Ferrand', 'Étudiant(e)']);
    expect(row[9]).toBe("CV, Pièce d'identité, Lettre de motivation / projet professionnel");
    expect(row[10]).toBe('');
    const draftRow = rows.find((r) => r[4] === drafts[0]!.email)!;
    expect(draftRow[1]).toBe('En cours de saisie');
    expect(draftRow[10]).toContain('État civil à compléter | Situation actuelle à renseigner');
  });

  it('keeps an audit trail of a full scenario, in order, with actor and time', async () => {
    const { dossierId, candidate: owner } = await submittedDossier();
    const cvFileId = (await stack.app.inject({ method: 'GET', url: dossierPath(dossierId), headers: officeA.headers })).json().documents.cv.fileId;
    await stack.app.inject({ method: 'POST', url: `/api/staff/dossiers/${encodeURIComponent(dossierId)}/reviews`, headers: officeA.headers, payload: { fileId: cvFileId, verdict: 'refused', comment: 'CV de 2015' } });
    await decide(officeA, dossierId, { decision: 'requestChanges', comment: 'CV à mettre à jour', items: ['CV'] });
    const client = apiClient(stack.app, { token: owner.token });
    await client.upload(`${dossierPath(dossierId)}/documents/cv`, samplePdf('cv 2026'), 'cv-2026.pdf');
    await client.call('POST', `${dossierPath(dossierId)}/declaration`, { complete: true });
    await decide(officeA, dossierId, { decision: 'validate' });
    const record = await stack.app.inject({ method: 'GET', url: dossierPath(dossierId), headers: officeA.headers });
    const history = record.json().history as { at: string; actor: { type: string; id?: string }; action: string; detail?: string }[];
    const actions = history.filter((entry) => entry.action !== 'email.sent').map((entry) => `${entry.actor.type}:${entry.action}`);
    expect(actions).toEqual([
      'candidate:opened',
      'candidate:civilStatus.saved',
      'candidate:situation.saved',
      'candidate:file.attached',
      'candidate:file.attached',
      'candidate:file.attached',
      'candidate:diploma.saved',
      'candidate:file.attached',
      'candidate:declared.complete',
      'staff:document.refused',
      'staff:decision.changesRequested',
      'candidate:file.attached',
      'candidate:declared.complete',
      'staff:decision.validated',
    ]);
    expect(history.find((e) => e.action === 'decision.changesRequested')).toMatchObject({ actor: { id: officeA.accountId }, detail: 'CV à mettre à jour' });
    const times = history.map((entry) => Date.parse(entry.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    // E-mails appear as they are handed to the relay.
    await stack.catcher.waitFor((e) => e.subject.startsWith('Modifications demandées') && e.to.includes(record.json().candidate.email));
    // Recorded once the relay accepted them, so shortly after they arrive.
    const emails = await eventually(async () => {
      const later = await stack.app.inject({ method: 'GET', url: dossierPath(dossierId), headers: officeA.headers });
      const sent = (later.json().history as { action: string; detail?: string }[]).filter((e) => e.action === 'email.sent').map((e) => e.detail);
      return sent.includes('dossierValidated') ? sent : undefined;
    });
    expect(emails).toEqual(expect.arrayContaining(['dossierOpened', 'dossierSubmitted', 'dossierChangesRequested', 'dossierValidated']));
  });

  it("streams a ZIP holding exactly the dossier's files", async () => {
    const { candidate, dossierId } = await submittedDossier();
    const zip = await stack.app.inject({ method: 'GET', url: `/api/staff/dossiers/${encodeURIComponent(dossierId)}/files.zip`, headers: officeA.headers });
    expect(zip.statusCode).toBe(200);
    expect(zip.headers['content-type']).toBe('application/zip');
    const entries = await unzip(zip.rawPayload);
    expect([...entries.keys()].sort()).toEqual([
      'diplomes/1/bac.pdf',
      'pieces-obligatoires/cv/cv.pdf',
      'pieces-obligatoires/identity/identity.pdf',
      'pieces-obligatoires/motivation/motivation.pdf',
    ]);
    expect(entries.get('pieces-obligatoires/cv/cv.pdf')!.equals(samplePdf('cv-0'))).toBe(true);
    expect(entries.get('diplomes/1/bac.pdf')!.equals(samplePdf('bac-0'))).toBe(true);
    expect((await stack.app.inject({ method: 'GET', url: `/api/staff/dossiers/${encodeURIComponent(dossierId)}/files.zip`, headers: officeB.headers })).statusCode).toBe(404);
    expect((await stack.app.inject({ method: 'GET', url: `/api/staff/dossiers/${encodeURIComponent(dossierId)}/files.zip`, headers: candidate.headers })).statusCode).toBe(403);
  });

  it('creates and edits a selection of its own training, with its documents per situation and its downloadable form', async () => {
    const { trainingId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(24) });
    const office = await loggedIn(stack, { role: 'office', trainingIds: [trainingId] });
    const staffCall = (who: TestSession, method: 'POST' | 'PATCH', url: string, payload: object) => stack.app.inject({ method, url, headers: who.headers, payload });
    const body = {
      id: `${trainingId}-2028`,
      trainingId,
      title: 'Session de printemps',
      opensAt: hoursFromNow(-1).toISOString(),
      closesAt: hoursFromNow(24 * 30).toISOString(),
      capacity: 40,
      officeContact: { name: 'Service sélection', email: 'selection@itsra.example' },
    };
    expect((await staffCall(officeB, 'POST', '/api/staff/selections', body)).statusCode).toBe(404);
    const badDates = await staffCall(office, 'POST', '/api/staff/selections', { ...body, closesAt: hoursFromNow(-2).toISOString() });
    expect(badDates.statusCode).toBe(400);
    const created = await staffCall(office, 'POST', '/api/staff/selections', body);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ id: body.id, isOpen: true, capacity: 40 });
    expect((await staffCall(office, 'POST', '/api/staff/selections', body)).statusCode).toBe(409);

    // Apprentices of this selection must also bring the employer form.
    const edited = await staffCall(office, 'PATCH', `/api/staff/selections/${body.id}`, {
      documentRequirements: { apprenti: ['cv', 'identity', 'motivation', 'employerForm'] },
      paymentTerms: 'Frais de sélection : 90 €, à régler sous 15 jours.',
    });
    expect(edited.statusCode).toBe(200);
    const apprenti = edited.json().requiredDocuments.find((r: { situation: string }) => r.situation === 'apprenti');
    expect(apprenti.documents.map((d: { kind: string }) => d.kind)).toContain('employerForm');

    const candidate = await loggedIn(stack);
    const client = apiClient(stack.app, { token: candidate.token });
    const opened = await client.call('POST', `/api/selections/${body.id}/dossiers`);
    const withSituation = await client.call('PUT', `${dossierPath(opened.body.dossierId)}/situation`, { status: 'apprenti' });
    expect(withSituation.body.progress.missing.map((m: { code: string }) => m.code)).toContain('documents.employerForm');

    const upload = async (bytes: Buffer) => {
      const form = multipartFile(bytes, 'justificatif.pdf');
      return stack.app.inject({ method: 'PUT', url: `/api/staff/selections/${body.id}/forms/justificatif?title=${encodeURIComponent('Justificatif de statut salarié')}`, headers: { ...office.headers, ...form.headers }, payload: form.payload });
    };
    const first = await upload(samplePdf('form v1'));
    expect(first.statusCode).toBe(200);
    const firstUrl = first.json().downloadableForms[0].url;
    expect((await stack.app.inject({ method: 'GET', url: firstUrl })).rawPayload.equals(samplePdf('form v1'))).toBe(true);
    const firstFileId = (await stack.database.models.Selection.findById(body.id).lean())!.downloadableForms[0]!.fileId!;
    expect((await upload(samplePdf('form v2'))).json().downloadableForms).toHaveLength(1);
    expect((await stack.app.inject({ method: 'GET', url: firstUrl })).rawPayload.equals(samplePdf('form v2'))).toBe(true);
    expect(await stack.database.connection.db!.collection('files.files').countDocuments({ _id: new mongoose.mongo.ObjectId(firstFileId) })).toBe(0);
    expect((await upload(sampleJpeg())).statusCode).toBe(415);
  });
});
