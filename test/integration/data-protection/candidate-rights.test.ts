/**
 * The candidate's rights: "Télécharger mes données" gives back everything
 * (JSON, files, a readable PDF per dossier); "Supprimer mon compte" erases
 * everything — records, files, staff reads, e-mail rows and the Temporal
 * histories — after the password and an e-mailed link, and is refused while
 * a dossier is under review.
 */
import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { createFileStore } from '../../../db/files.js';
import { loggedIn, STRONG_PASSWORD } from '../../support/accounts.js';
import { apiClient, dossierPath } from '../../support/api-client.js';
import { createSelection, hoursFromNow } from '../../support/fixtures.js';
import { candidateJourney } from '../../support/journey.js';
import { eventually, useTestStack, useClientWithoutCodec } from '../../support/stack.js';
import { unzip } from '../../support/zip.js';

const linkIn = (text: string) => new URL(/https?:\/\/\S+suppression\/confirmation\?token=\S+/.exec(text)![0]).searchParams.get('token')!;

describe("the candidate's rights over their data", () => {
  const stack = useTestStack();
  const withoutCodec = useClientWithoutCodec();
  it('gives back the account, every dossier as stored, its files, its reads by staff and a readable PDF summary, in one ZIP', async () => {
    const { selectionId, trainingId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) });
    const candidate = await loggedIn(stack);
    const client = apiClient(stack.app, { token: candidate.token });
    const dossierId = await candidateJourney(client, selectionId, { n: 4242, readyToDeclare: true });
    const office = await loggedIn(stack, { role: 'office', trainingIds: [trainingId] });
    await apiClient(stack.app, { token: office.token }).call('GET', dossierPath(dossierId));

    const answer = await stack.app.inject({ method: 'GET', url: '/api/me/data-export', headers: candidate.headers });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toBe('application/zip');
    expect(String(answer.headers['content-disposition'])).toMatch(/mes-donnees-candidature-\d{4}-\d{2}-\d{2}\.zip/);
    const entries = await unzip(answer.rawPayload);
    const json = JSON.parse(entries.get('mes-donnees.json')!.toString('utf8'));
    expect(json.account).toMatchObject({ id: candidate.accountId, email: candidate.email, identifier: candidate.identifier });
    expect(json.dossiers).toHaveLength(1);
    expect(json.dossiers[0].dossier).toMatchObject({ dossierId, civilStatus: { lastName: 'Martin-4242', birthPlace: 'Vichy' } });
    expect(json.dossiers[0].dossier.history.length).toBeGreaterThan(5);
    expect(json.dossiers[0].staffReads).toEqual([expect.objectContaining({ kind: 'dossier', by: expect.objectContaining({ id: office.accountId }) })]);
    expect(json.dossiers[0].retention).toContain('dossier validé : 36 mois');

    // Every file, byte for byte as uploaded.
    const folder = json.dossiers[0].folder as string;
    const fileEntries = [...entries.keys()].filter((name) => name.startsWith(`${folder}/`) && !name.endsWith('recapitulatif.pdf'));
    expect(fileEntries).toHaveLength(4); // cv, identity, motivation, the diploma
    const cv = [...entries.entries()].find(([name]) => name.includes('pieces-obligatoires/cv/'))![1];
    expect(cv.toString()).toContain('cv-4242');

    // The summary is a real PDF that opens, with the candidate's declarations in it.
    const summary = entries.get(`${folder}/recapitulatif.pdf`)!;
    const pdf = await PDFDocument.load(summary);
    expect(pdf.getPageCount()).toBeGreaterThanOrEqual(1);
    expect(pdf.getTitle()).toContain('Éducateur spécialisé');

    // Candidates only: the office has no "my data" of this kind.
    expect((await stack.app.inject({ method: 'GET', url: '/api/me/data-export', headers: office.headers })).statusCode).toBe(403);
  });

  it('refuses to erase an account whose dossier is under review, naming the dossier and whom to write to', async () => {
    const { selectionId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) });
    const candidate = await loggedIn(stack);
    await stack.database.models.Account.updateOne({ _id: candidate.accountId }, { $set: { emailVerifiedAt: new Date() } });
    await candidateJourney(apiClient(stack.app, { token: candidate.token }), selectionId, { n: 7 });
    const refused = await stack.app.inject({ method: 'POST', url: '/api/me/erasure', headers: candidate.headers, payload: { currentPassword: STRONG_PASSWORD } });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'ERASURE_REFUSED', message: expect.stringMatching(/complet, à étudier.*selection@itsra\.example/) });
    const wrongPassword = await stack.app.inject({ method: 'POST', url: '/api/me/erasure', headers: candidate.headers, payload: { currentPassword: 'pas le bon mot de passe' } });
    expect(wrongPassword.statusCode).toBe(400);
    expect(wrongPassword.json().code).toBe('CURRENT_PASSWORD_INVALID');
  });

  it('erases the account after the password and the e-mailed link: dossiers withdrawn, then records, files, reads and histories gone', { timeout: 180_000 }, async () => {
    const { selectionId, trainingId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) });
    const second = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) });
    const candidate = await loggedIn(stack);
    const client = apiClient(stack.app, { token: candidate.token });
    const open = await candidateJourney(client, selectionId, { n: 31, readyToDeclare: true });
    const withdrawn = (await client.call('POST', `/api/selections/${second.selectionId}/dossiers`)).body.dossierId as string;
    expect((await client.call('POST', `${dossierPath(withdrawn)}/withdrawal`)).status).toBe(200);
    const office = await loggedIn(stack, { role: 'office', trainingIds: [trainingId] });
    await apiClient(stack.app, { token: office.token }).call('GET', dossierPath(open));
    // An account e-mail workflow of this account (the password change's notice).
    const record = await stack.database.models.Dossier.findById(open).lean();
    const fileIds = Object.values((record!.state as { documents: Record<string, { fileId: string }> }).documents).map((file) => file.fileId);
    expect(fileIds.length).toBe(3);

    const requested = await stack.app.inject({ method: 'POST', url: '/api/me/erasure', headers: candidate.headers, payload: { currentPassword: STRONG_PASSWORD } });
    expect(requested.statusCode).toBe(202);
    expect(requested.json().message).toMatch(/e-mail/);
    const email = await stack.catcher.waitFor((mail) => mail.to.includes(candidate.email) && mail.subject.includes('suppression'));
    const token = linkIn(email.text);
    // Nothing happens before the link is opened.
    expect(await stack.database.models.Account.exists({ _id: candidate.accountId })).not.toBeNull();

    const confirmed = await stack.app.inject({ method: 'POST', url: '/api/me/erasure/confirm', payload: { token } });
    expect(confirmed.statusCode).toBe(202);
    // The session ended at once.
    expect((await client.call('GET', '/api/me')).status).toBe(401);
    // Twice is refused: the link works once.
    expect((await stack.app.inject({ method: 'POST', url: '/api/me/erasure/confirm', payload: { token } })).statusCode).toBe(400);

    await stack.catcher.waitFor((mail) => mail.to.includes(candidate.email) && mail.subject.includes('supprimé'), 60_000);
    const { models } = stack.database;
    expect(await models.Account.exists({ _id: candidate.accountId })).toBeNull();
    expect(await models.Dossier.countDocuments({ 'candidate.id': candidate.accountId })).toBe(0);
    expect(await models.StaffRead.countDocuments({ dossierId: open })).toBe(0);
    expect(await models.SentEmail.countDocuments({ _id: { $regex: `^${open.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:` } })).toBe(0);
    expect(await models.Session.countDocuments({ accountId: candidate.accountId })).toBe(0);
    // « Mes inscriptions »' slots went with the account.
    expect((await models.CandidateDossier.find({}).lean()).filter((slot) => slot._id.startsWith(`${candidate.accountId}:`))).toEqual([]);
    const files = createFileStore(stack.database.connection);
    for (const fileId of fileIds) expect(await files.find(fileId)).toBeNull();
    // The histories are gone from the Temporal server: the dossiers' and the account e-mails'.
    // (The server deletes a closed workflow's history in the background: 20 to 40 s later, measured on the dev server.)
    await eventually(async () => {
      for (const workflowId of [open, withdrawn]) await expect(withoutCodec.client.workflow.getHandle(workflowId).describe()).rejects.toThrow(/not found/i);
      return true;
    }, 120_000);
    await eventually(async () => {
      const left: string[] = [];
      for await (const execution of withoutCodec.client.workflow.list({ query: `AccountId = '${candidate.accountId}' OR CandidateId = '${candidate.accountId}'` })) left.push(execution.workflowId);
      expect(left).toEqual([]);
      return true;
    }, 120_000);
    // The erasure's own workflow records ids and counts only.
    const erasure = await stack.temporal.workflow.getHandle(`account-erasure:${candidate.accountId}`).result();
    expect(erasure).toMatchObject({ withdrawn: 1, dossiers: 2, files: 4 });
  });
});
