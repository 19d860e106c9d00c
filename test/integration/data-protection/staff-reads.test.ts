/**
 * Who read what: each read of a candidate's dossier or file by staff is
 * recorded (API, console, exports) and shown to the office; a candidate's own
 * reads are not.
 */
import { describe, expect, it } from 'vitest';
import { loggedIn } from '../../support/accounts.js';
import { apiClient, dossierPath } from '../../support/api-client.js';
import { samplePdf } from '../../support/files.js';
import { createSelection, hoursFromNow } from '../../support/fixtures.js';
import { useTestStack } from '../../support/stack.js';

describe("staff's reads of a dossier", () => {
  const stack = useTestStack();

  it('records each read of the dossier, of a file and of the exports, with who and when, and shows them to the office', async () => {
    const { selectionId, trainingId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) });
    const candidate = await loggedIn(stack);
    const client = apiClient(stack.app, { token: candidate.token });
    const { body: opened } = await client.call('POST', `/api/selections/${selectionId}/dossiers`);
    const uploaded = await client.upload(`${dossierPath(opened.dossierId)}/documents/cv`, samplePdf('cv'), 'cv.pdf');
    expect(uploaded.status).toBe(200);
    const fileId = uploaded.body.documents.cv.fileId;
    // The candidate's own reads leave nothing.
    expect((await client.call('GET', dossierPath(opened.dossierId))).status).toBe(200);
    expect((await client.request('GET', `${dossierPath(opened.dossierId)}/files/${fileId}`)).status).toBe(200);

    const office = await loggedIn(stack, { role: 'office', trainingIds: [trainingId] });
    const staff = apiClient(stack.app, { token: office.token });
    const reads = `/api/staff/dossiers/${encodeURIComponent(opened.dossierId)}/reads`;
    expect((await staff.call('GET', reads)).body).toEqual({ reads: [] });

    const before = Date.now();
    expect((await staff.call('GET', dossierPath(opened.dossierId))).status).toBe(200);
    expect((await staff.request('GET', `${dossierPath(opened.dossierId)}/files/${fileId}`)).status).toBe(200);
    expect((await staff.request('GET', `/api/staff/dossiers/${encodeURIComponent(opened.dossierId)}/files.zip`)).status).toBe(200);
    expect((await staff.request('GET', `/api/staff/selections/${selectionId}/dossiers.csv`)).status).toBe(200);
    // The console's pages count as reads too.
    const cookie = { cookie: `candidature_session=${office.token}` };
    expect((await stack.app.inject({ method: 'GET', url: `/service/dossiers/${encodeURIComponent(opened.dossierId)}`, headers: cookie })).statusCode).toBe(200);

    const { body } = await staff.call('GET', reads);
    expect(body.reads.map((read: { kind: string }) => read.kind)).toEqual(['dossier', 'file', 'filesZip', 'csvExport', 'dossier']);
    for (const read of body.reads) {
      expect(read.by).toEqual({ id: office.accountId, name: 'Camille Dupont', role: 'office' });
      expect(Date.parse(read.at)).toBeGreaterThanOrEqual(before - 1000);
    }
    expect(body.reads[1]).toMatchObject({ fileId, label: "Consultation d'une pièce" });
    // The dossier's page lists them, in French.
    const page = await stack.app.inject({ method: 'GET', url: `/service/dossiers/${encodeURIComponent(opened.dossierId)}`, headers: cookie });
    expect(page.body).toContain('Consultations par le service sélection');
    expect(page.body).toContain('Export CSV de la sélection');
    // Another office reaches neither the dossier nor its reads.
    const other = await loggedIn(stack, { role: 'office', trainingIds: ['another-training'] });
    expect((await apiClient(stack.app, { token: other.token }).call('GET', reads)).status).toBe(404);
  });
});
