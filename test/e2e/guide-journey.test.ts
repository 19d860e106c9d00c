/**
 * The school's guide for candidates, walked through the HTTP API against the
 * real Temporal server, FerretDB and an SMTP server: account, selection,
 * "+ S'inscrire", the five steps, the declaration, and coming back later.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { createFileStore } from '../../db/files.js';
import { employerFormPdf } from '../../demo/employer-form.js';
import type { CaughtEmail } from '../../dev/mail-catcher.js';
import { samplePdf, samplePng, sampleJpeg, multipartFile } from '../support/files.js';
import { civilStatusOf, createSelection, hoursFromNow } from '../support/fixtures.js';
import { apiClient } from '../support/api-client.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const civilStatus = { ...civilStatusOf(0), lastName: 'Curie', firstNames: 'Marie Salomea' };

describe("the candidates' guide, end to end", () => {
  let stack: TestStack;
  let selectionId: string;

  beforeAll(async () => {
    stack = await startTestStack({ rateRules: { signupPerClient: { name: 'signup-client', limit: 100, windowMs: 3_600_000 } } });
    ({ selectionId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-24), closesAt: hoursFromNow(24 * 21) }));
    // The selection's "documents téléchargeables": the employer form, a real PDF in GridFS.
    const form = await createFileStore(stack.database.connection).save(Readable.from([Buffer.from(await employerFormPdf())]), {
      filename: 'justificatif-statut-salarie.pdf',
      contentType: 'application/pdf',
    });
    await stack.database.models.Selection.updateOne(
      { _id: selectionId },
      { $set: { downloadableForms: [{ id: 'justificatif-statut-salarie', title: 'Justificatif de statut salarié', fileId: form.id, filename: form.filename }] } },
    );
  });
  afterAll(() => stack?.close());

  let sequence = 0;
  /** "S'inscrire à une formation" → "Valider ma saisie", then "Connexion". */
  async function newCandidate(options: { verifyEmail: boolean }) {
    sequence += 1;
    const identifier = `candidate${Date.now().toString(36)}${sequence}`;
    const person = { identifier, email: `${identifier}@example.org`, password: 'la mer argentée au loin', firstName: 'Marie', lastName: 'Curie' };
    expect((await stack.app.inject({ method: 'POST', url: '/api/auth/signup', payload: person })).statusCode).toBe(202);
    const verification = await stack.catcher.waitFor((e) => e.to.includes(person.email) && e.subject === 'Confirmez votre adresse e-mail');
    if (options.verifyEmail) await confirmEmail(verification);
    return { ...person, headers: await logIn(person.identifier, person.password) };
  }

  async function confirmEmail(email: CaughtEmail) {
    const token = /verification-email\?token=([\w-]+)/.exec(email.text)![1];
    expect((await stack.app.inject({ method: 'POST', url: '/api/auth/email-verification/confirm', payload: { token } })).statusCode).toBe(200);
  }

  async function logIn(login: string, password: string) {
    const response = await stack.app.inject({ method: 'POST', url: '/api/auth/login', payload: { login, password, client: 'api' } });
    expect(response.statusCode).toBe(200);
    return { authorization: `Bearer ${response.json().token}` };
  }

  const call = (headers: Record<string, string>, method: string, url: string, payload?: object) => apiClient(stack.app, { headers }).call(method, url, payload);
  const upload = (headers: Record<string, string>, url: string, bytes: Buffer, filename: string) => apiClient(stack.app, { headers }).upload(url, bytes, filename);

  it('(a) a salaried candidate downloads the employer form, fills every step, uploads it back and declares the dossier complete', async () => {
    const candidate = await newCandidate({ verifyEmail: true });
    const h = candidate.headers;

    // "M'inscrire à une sélection" → "Sélection": the list of open selections, with what to provide.
    const list = await call(h, 'GET', '/api/selections');
    const selection = list.body.selections.find((s: { id: string }) => s.id === selectionId);
    expect(selection.officeContact.email).toBe('selection@itsra.example');
    const salaried = selection.requiredDocuments.find((r: { situation: string }) => r.situation === 'salarie');
    expect(salaried.documents.map((d: { kind: string }) => d.kind)).toEqual(['cv', 'identity', 'motivation', 'employerForm']);

    // "+ S'inscrire"
    const opened = await call(h, 'POST', `/api/selections/${selectionId}/dossiers`);
    expect(opened.status).toBe(201);
    const dossierId: string = opened.body.dossierId;
    const base = `/api/dossiers/${encodeURIComponent(dossierId)}`;
    expect(opened.body.progress.steps.filter((s: { done: boolean; required: boolean }) => s.required && !s.done).map((s: { step: string }) => s.step)).toEqual(['civilStatus', 'situation', 'documents', 'diplomas']);

    expect((await call(h, 'PUT', `${base}/civil-status`, civilStatus)).status).toBe(200);
    const situation = await call(h, 'PUT', `${base}/situation`, { status: 'salarie', employer: 'Association Les Volcans' });
    expect(situation.status).toBe(200);
    expect(situation.body.progress.missing.map((m: { code: string }) => m.code)).toContain('documents.employerForm');

    for (const [kind, name] of [['cv', 'cv.pdf'], ['identity', 'cni.pdf'], ['motivation', 'lettre.pdf']] as const) {
      expect((await upload(h, `${base}/documents/${kind}`, samplePdf(kind), name)).status).toBe(200);
    }
    // "Documents téléchargeables": the "Justificatif de statut salarié", downloaded, filled and signed by the employer, uploaded back.
    const formLink = selection.downloadableForms.find((f: { id: string }) => f.id === 'justificatif-statut-salarie');
    const downloaded = await stack.app.inject({ method: 'GET', url: formLink.url });
    expect(downloaded.statusCode).toBe(200);
    expect(downloaded.headers['content-type']).toBe('application/pdf');
    expect(downloaded.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const employerForm = await upload(h, `${base}/documents/employerForm`, downloaded.rawPayload, 'justificatif-statut-salarie.pdf');
    expect(employerForm.status).toBe(200);
    expect(employerForm.body.documents.employerForm).toMatchObject({ filename: 'justificatif-statut-salarie.pdf', contentType: 'application/pdf' });

    const diploma = await call(h, 'POST', `${base}/diplomas`, { title: 'Baccalauréat général', level: 'Niveau 4', institution: 'Lycée Blaise-Pascal', year: 2008 });
    expect(diploma.status).toBe(200);
    const diplomaId: string = diploma.body.diplomas[0].id;
    expect((await upload(h, `${base}/diplomas/${diplomaId}/document`, sampleJpeg(), 'bac.jpg')).status).toBe(200);

    const experience = await call(h, 'POST', `${base}/experiences`, { employer: 'Association Les Volcans', position: 'Animatrice', startDate: '2015-09-01' });
    const experienceId: string = experience.body.experiences[0].id;
    const proof = await upload(h, `${base}/experiences/${experienceId}/proof`, samplePng(), 'attestation.png');
    expect(proof.body.experiences[0].proof.contentType).toBe('image/png');
    expect(proof.body.progress.missing).toEqual([]);
    expect(proof.body.progress.steps.every((s: { done: boolean }) => s.done)).toBe(true);

    // "Dossier complet à travailler par l'ITSRA" → "Valider ma saisie"
    const declared = await call(h, 'POST', `${base}/declaration`, { complete: true });
    expect(declared.status).toBe(200);
    expect(declared.body).toMatchObject({ status: 'SUBMITTED', editable: false });
    const email = await stack.catcher.waitFor((e) => e.to.includes(candidate.email) && e.subject.startsWith('Dossier complet reçu'));
    expect(email.text).toContain("Votre dossier va être étudié par le service sélection de l'ITSRA.");
    expect(email.text).toContain('modalités de paiement');

    // What was submitted is what the office will review: no change any more.
    const late = await upload(h, `${base}/documents/cv`, samplePdf('autre'), 'cv2.pdf');
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('DOSSIER_LOCKED');
    expect((await call(h, 'PUT', `${base}/civil-status`, civilStatus)).body.code).toBe('DOSSIER_LOCKED');

    // The candidate downloads their own file back.
    const fileId = declared.body.documents.cv.fileId;
    const download = await stack.app.inject({ method: 'GET', url: `${base}/files/${fileId}`, headers: h });
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toBe('application/pdf');
    expect(download.rawPayload.equals(samplePdf('cv'))).toBe(true);
  });

  it('(b) a candidate without a diploma uploads the "Ne possède pas de diplôme" page, and must confirm the e-mail before declaring', async () => {
    const candidate = await newCandidate({ verifyEmail: false });
    const h = candidate.headers;
    const dossierId: string = (await call(h, 'POST', `/api/selections/${selectionId}/dossiers`)).body.dossierId;
    const base = `/api/dossiers/${encodeURIComponent(dossierId)}`;

    const early = await call(h, 'POST', `${base}/declaration`, { complete: true });
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('DOSSIER_INCOMPLETE');
    expect(early.body.details.map((m: { field: string }) => m.field)).toEqual([
      'civilStatus',
      'situation',
      'documents.cv',
      'documents.identity',
      'documents.motivation',
      'diplomas',
    ]);
    expect(early.body.details[0]).toEqual({ field: 'civilStatus', code: 'MISSING_ITEM', message: 'État civil à compléter', step: 'civilStatus' });

    await call(h, 'PUT', `${base}/civil-status`, civilStatus);
    await call(h, 'PUT', `${base}/situation`, { status: 'demandeur-emploi' });
    for (const kind of ['cv', 'identity', 'motivation']) await upload(h, `${base}/documents/${kind}`, samplePdf(kind), `${kind}.pdf`);
    const entry = await call(h, 'POST', `${base}/diplomas`, { noDiploma: true });
    expect(entry.status).toBe(200);
    const missingProof = await call(h, 'POST', `${base}/declaration`, { complete: true });
    expect(missingProof.body.details.map((m: { field: string; entryId: string }) => [m.field, m.entryId])).toEqual([['diplomas.document', entry.body.diplomas[0].id]]);
    await upload(h, `${base}/diplomas/${entry.body.diplomas[0].id}/document`, samplePdf('Ne possède pas de diplôme'), 'sans-diplome.pdf');

    const unverified = await call(h, 'POST', `${base}/declaration`, { complete: true });
    expect(unverified.status).toBe(409);
    expect(unverified.body.code).toBe('EMAIL_NOT_VERIFIED');

    await confirmEmail(await stack.catcher.waitFor((e) => e.to.includes(candidate.email) && e.subject === 'Confirmez votre adresse e-mail'));
    const declared = await call(h, 'POST', `${base}/declaration`, { complete: true });
    expect(declared.status).toBe(200);
    expect(declared.body.status).toBe('SUBMITTED');
  });

  it('(c) a candidate declares "incomplet", logs in again later from "Mes inscriptions" and finishes', async () => {
    const candidate = await newCandidate({ verifyEmail: true });
    const first = candidate.headers;
    const dossierId: string = (await call(first, 'POST', `/api/selections/${selectionId}/dossiers`)).body.dossierId;
    const base = `/api/dossiers/${encodeURIComponent(dossierId)}`;
    await call(first, 'PUT', `${base}/civil-status`, civilStatus);
    await call(first, 'PUT', `${base}/situation`, { status: 'etudiant' });

    // "Dossier incomplet : je poursuivrai mon inscription plus tard"
    const later = await call(first, 'POST', `${base}/declaration`, { complete: false });
    expect(later.status).toBe(200);
    expect(later.body).toMatchObject({ status: 'DRAFT', editable: true });
    const email = await stack.catcher.waitFor((e) => e.to.includes(candidate.email) && e.subject.startsWith('Dossier enregistré, à compléter'));
    expect(email.text).toContain('jusqu\'au');
    expect(email.text).toContain('Le service sélection traitera votre dossier une fois que vous l’aurez déclaré complet.');
    expect(email.text).toContain('  - CV à téléverser');
    expect(email.text).toContain('« Mes inscriptions » → « Compléter un dossier en cours »');
    await call(first, 'POST', '/api/auth/logout');

    // Days later: "Connexion" → "Mes inscriptions" → "Compléter un dossier en cours".
    const again = await logIn(candidate.email, candidate.password);
    const mine = await call(again, 'GET', '/api/me/dossiers');
    expect(mine.body.dossiers).toHaveLength(1);
    const dossier = mine.body.dossiers[0];
    expect(dossier).toMatchObject({ dossierId, status: 'DRAFT', editable: true });
    expect(dossier.progress.steps.filter((s: { done: boolean }) => s.done).map((s: { step: string }) => s.step)).toEqual(['civilStatus', 'situation']);
    expect(dossier.progress.missing.map((m: { code: string }) => m.code)).toEqual(['documents.cv', 'documents.identity', 'documents.motivation', 'diplomas']);

    for (const kind of ['cv', 'identity', 'motivation']) await upload(again, `${base}/documents/${kind}`, samplePdf(kind), `${kind}.pdf`);
    const diploma = await call(again, 'POST', `${base}/diplomas`, { title: 'Licence de psychologie', year: 2014 });
    await upload(again, `${base}/diplomas/${diploma.body.diplomas[0].id}/document`, samplePdf('licence'), 'licence.pdf');
    const declared = await call(again, 'POST', `${base}/declaration`, { complete: true });
    expect(declared.body.status).toBe('SUBMITTED');
    await stack.catcher.waitFor((e) => e.to.includes(candidate.email) && e.subject.startsWith('Dossier complet reçu'));
  });
});
