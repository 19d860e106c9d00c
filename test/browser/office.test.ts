import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../../accounts/accounts.js';
import { createSession } from '../../accounts/sessions.js';
import { employerFormPdf } from '../../demo/employer-form.js';
import { STRONG_PASSWORD } from '../support/accounts.js';
import { apiClient } from '../support/api-client.js';
import { samplePdf, samplePng } from '../support/files.js';
import { createSelection, hoursFromNow } from '../support/fixtures.js';
import { candidateJourney } from '../support/journey.js';
import { unzip } from '../support/zip.js';
import { declareComplete, logIn, upload } from './support/candidate.js';
import { checkEveryPage, screenshot, useSite } from './support/site.js';

/**
 * The selection office's console in a real browser, JavaScript on (axe on
 * every page) and off: a day of review, from the selection's list to the
 * decisions and the candidate's answer; deadlines; a selection created with
 * its forms; the exports read back; another office kept out.
 */
const site = useSite();
let selection: { selectionId: string; trainingId: string };
let otherSelection: { selectionId: string; trainingId: string };
let officeIdentifier: string;

async function account(role: 'candidate' | 'office', trainingIds: string[] = []) {
  const identifier = `${role}${randomUUID().slice(0, 8)}`;
  const email = `${identifier}@example.org`;
  const { id } = await createAccount(site.stack.database.models, { identifier, email, firstName: role === 'office' ? 'Jeanne' : 'Camille', lastName: 'Dupont', password: STRONG_PASSWORD, role, trainingIds, emailVerified: true });
  return { id, identifier, email };
}

/** A candidate whose dossier is declared complete (through the API, as another front end could): its id, and the candidate. */
async function submittedDossier() {
  const candidate = await account('candidate');
  const record = await site.stack.database.models.Account.findById(candidate.id).lean();
  const { token } = await createSession(site.stack.database.models, record!, { idleMs: 3_600_000, absoluteMs: 3_600_000 });
  const client = apiClient(site.stack.app, { token });
  const dossierId = await candidateJourney(client, selection.selectionId, { n: Math.floor(Math.random() * 1000), readyToDeclare: true });
  // The identity document as a photo, the CV as a real PDF: the console shows both in the page.
  await client.upload(`/api/dossiers/${encodeURIComponent(dossierId)}/documents/identity`, samplePng(), 'identite.png');
  await client.upload(`/api/dossiers/${encodeURIComponent(dossierId)}/documents/cv`, Buffer.from(await employerFormPdf()), 'cv.pdf');
  expect((await client.call('POST', `/api/dossiers/${encodeURIComponent(dossierId)}/declaration`, { complete: true })).body.status).toBe('SUBMITTED');
  return { dossierId, candidate };
}

const readZip = async (bytes: Buffer) => [...(await unzip(bytes)).keys()];

beforeAll(async () => {
  selection = await createSelection(site.stack.database.models, { opensAt: hoursFromNow(-24), closesAt: hoursFromNow(24 * 21) });
  otherSelection = await createSelection(site.stack.database.models, { opensAt: hoursFromNow(-24), closesAt: hoursFromNow(24 * 21) });
  officeIdentifier = (await account('office', [selection.trainingId])).identifier;
});

describe.each([
  { javaScript: true, mode: 'JavaScript on' },
  { javaScript: false, mode: 'JavaScript off' },
])('the office console, $mode', ({ javaScript }) => {
  const seen = new Set<string>();
  async function officePage(): Promise<{ page: Page; settle: () => Promise<void> }> {
    const context = await site.context(javaScript);
    const page = await context.newPage();
    const { check, failures } = checkEveryPage(page, javaScript, seen);
    await logIn(page, officeIdentifier, STRONG_PASSWORD);
    expect(new URL(page.url()).pathname).toBe('/service');
    return {
      page,
      settle: async () => {
        await page.waitForLoadState('load');
        await check();
        expect(failures).toEqual([]);
      },
    };
  }

  it('reviews a submitted dossier, refuses a document, asks for changes; the candidate answers; the office validates and the e-mail carries the payment terms', async () => {
    const { dossierId, candidate } = await submittedDossier();
    const { page, settle } = await officePage();
    if (javaScript) await screenshot(page, 'service-selections');
    await page.getByRole('link', { name: 'Éducateur spécialisé — rentrée 2027' }).first().click();
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.getByLabel('Rechercher').fill(candidate.identifier);
    await page.getByRole('button', { name: 'Afficher' }).click();
    await page.getByText('1 dossier —').waitFor();
    if (javaScript) await screenshot(page, 'service-dossiers');
    await page.getByRole('link', { name: /Martin-/ }).click();
    await page.getByRole('heading', { level: 2, name: 'Pièces' }).waitFor();

    // The photo of the identity document, in the page; the PDFs drawn by pdf.js when JavaScript runs.
    const photo = page.getByRole('img', { name: /Pièce d'identité/ });
    await photo.waitFor();
    // Loaded, not a broken image.
    expect(await photo.evaluate((image) => (image as unknown as { complete: boolean; naturalWidth: number }).complete && (image as unknown as { naturalWidth: number }).naturalWidth > 0)).toBe(true);
    if (javaScript) await page.locator('canvas').first().waitFor();
    else expect(await page.getByRole('link', { name: 'Ouvrir le PDF' }).count()).toBeGreaterThan(0);
    if (javaScript) await screenshot(page, 'service-dossier');

    const identity = page.locator('section.card').filter({ has: page.getByRole('heading', { name: /Pièce d'identité/ }) });
    await identity.getByLabel('Refusée', { exact: true }).check();
    await identity.getByRole('button', { name: /Enregistrer l'examen/ }).click();
    await page.locator('.error-summary').getByText('expliquez pourquoi la pièce est refusée').waitFor();
    await identity.getByLabel('Refusée', { exact: true }).check();
    await identity.getByLabel(/Commentaire/).fill('Photo floue : les informations sont illisibles.');
    await identity.getByRole('button', { name: /Enregistrer l'examen/ }).click();
    await page.getByText("L'examen de la pièce est enregistré.").waitFor();
    expect(await identity.locator('.badge', { hasText: 'Refusée' }).count()).toBe(1);

    const changes = page.locator('form.card').filter({ has: page.getByRole('heading', { name: 'Demander des modifications' }) });
    await changes.getByLabel('Ce que le candidat doit modifier').fill('Merci de déposer une pièce d’identité lisible.');
    await changes.getByRole('button', { name: 'Demander des modifications…' }).click();
    await page.getByRole('heading', { name: 'Ce que le candidat recevra' }).waitFor();
    // What the candidate will receive, before it is sent: the refused document is part of it.
    expect(await page.locator('pre.email').textContent()).toContain('Photo floue : les informations sont illisibles.');
    if (javaScript) await screenshot(page, 'service-confirmation');
    await page.getByRole('button', { name: 'Demander des modifications' }).click();
    await page.getByText('La décision est enregistrée').waitFor();
    await site.email(candidate.email, /modifications/i);

    // The candidate answers, in the browser.
    const candidatePage = await (await site.context(javaScript)).newPage();
    await logIn(candidatePage, candidate.identifier, STRONG_PASSWORD);
    await candidatePage.goto('/mes-inscriptions');
    await candidatePage.getByText('Merci de déposer une pièce d’identité lisible.').waitFor();
    await candidatePage.goto(`/mes-inscriptions/${encodeURIComponent(dossierId)}/pieces`);
    await upload(candidatePage, "Pièce d'identité", { name: 'identite-lisible.pdf', bytes: samplePdf('lisible') });
    await candidatePage.goto(`/mes-inscriptions/${encodeURIComponent(dossierId)}/declaration`);
    await declareComplete(candidatePage);

    // The office validates: the e-mail shown first carries the selection's payment terms.
    await page.goto(`/service/dossiers/${encodeURIComponent(dossierId)}`);
    await page.getByRole('button', { name: 'Valider…' }).click();
    const preview = await page.locator('pre.email').textContent();
    expect(preview).toContain("Les frais d'inscription à la sélection sont à régler");
    await page.getByRole('button', { name: 'Valider le dossier' }).click();
    await page.getByText('La décision est enregistrée').waitFor();
    const validated = await site.email(candidate.email, /validé/i);
    expect(validated.text).toContain("Les frais d'inscription à la sélection sont à régler");
    // The audit trail, in French, who and what.
    expect(await page.getByRole('cell', { name: /^Pièce refusée/ }).count()).toBe(1);
    expect(await page.getByRole('cell', { name: 'Dossier validé', exact: true }).count()).toBe(1);
    await settle();
  });

  it('rejects a dossier with its reason, shown in the e-mail before it is sent', async () => {
    const { dossierId, candidate } = await submittedDossier();
    const { page, settle } = await officePage();
    await page.goto(`/service/dossiers/${encodeURIComponent(dossierId)}`);
    const reject = page.locator('form.card').filter({ has: page.getByRole('heading', { name: 'Refuser le dossier' }) });
    await reject.getByRole('button', { name: 'Refuser…' }).click();
    await page.locator('.error-summary').getByText('indiquez le motif du refus').waitFor();
    await page.locator('form.card').filter({ has: page.getByRole('heading', { name: 'Refuser le dossier' }) }).getByLabel('Motif du refus').fill('Le dossier ne remplit pas les conditions d’accès.');
    await page.locator('form.card').filter({ has: page.getByRole('heading', { name: 'Refuser le dossier' }) }).getByRole('button', { name: 'Refuser…' }).click();
    expect(await page.locator('pre.email').textContent()).toContain('Le dossier ne remplit pas les conditions d’accès.');
    await page.getByRole('button', { name: 'Refuser le dossier' }).click();
    await page.getByText('La décision est enregistrée').waitFor();
    expect((await site.email(candidate.email, /retenu|refus/i)).text).toContain('Le dossier ne remplit pas les conditions d’accès.');
    await settle();
  });

  it("moves one candidate's deadline, and the selection's closing date, each confirmed first", async () => {
    const { page, settle } = await officePage();
    const draft = await account('candidate');
    const record = await site.stack.database.models.Account.findById(draft.id).lean();
    const { token } = await createSession(site.stack.database.models, record!, { idleMs: 3_600_000, absoluteMs: 3_600_000 });
    const dossierId = (await apiClient(site.stack.app, { token }).call('POST', `/api/selections/${selection.selectionId}/dossiers`)).body.dossierId as string;

    await page.goto(`/service/dossiers/${encodeURIComponent(dossierId)}`);
    await page.getByLabel('Nouvelle date limite').fill('2030-06-30T18:00');
    await page.getByRole('button', { name: 'Repousser…' }).click();
    await page.getByText('passe du').waitFor();
    await page.getByRole('button', { name: 'Confirmer la nouvelle date limite' }).click();
    await page.getByText('La date limite du candidat est repoussée.').waitFor();
    expect((await site.stack.database.models.Dossier.findById(dossierId).lean())?.state.deadline).toBe('2030-06-30T16:00:00.000Z');

    await page.goto(`/service/selections/${selection.selectionId}/cloture`);
    const current = await site.stack.database.models.Selection.findById(selection.selectionId).lean();
    const later = new Date(current!.closesAt.getTime() + 24 * 3600_000);
    const local = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(later).replace(' ', 'T');
    await page.getByLabel('Nouvelle date de clôture').fill(local);
    await page.getByRole('button', { name: 'Voir avant de confirmer' }).click();
    await page.getByRole('heading', { name: 'Confirmez' }).waitFor();
    await page.getByRole('button', { name: 'Confirmer la nouvelle date de clôture' }).click();
    await page.getByText('La date de clôture est repoussée').waitFor();
    // The page follows the engine telling the dossiers.
    await page.getByRole('heading', { name: 'Envoi de la nouvelle date de clôture aux dossiers' }).waitFor();
    const moved = await site.stack.database.models.Selection.findById(selection.selectionId).lean();
    expect(moved!.closesAt.getTime()).toBeGreaterThan(current!.closesAt.getTime());
    await settle();
  });

  it('creates a selection, puts its downloadable form, and downloads the CSV and a dossier’s ZIP', async () => {
    const { page, settle } = await officePage();
    await page.goto('/service/selections/nouvelle');
    const id = `es-${randomUUID().slice(0, 6)}-2028`;
    await page.getByLabel('Formation').selectOption(selection.trainingId);
    await page.getByLabel('Identifiant de la sélection').fill(id);
    await page.getByLabel('Intitulé').fill('Éducateur spécialisé — rentrée 2028');
    await page.getByLabel('Ouverture des inscriptions').fill('2027-09-01T09:00');
    await page.getByLabel('Clôture des inscriptions').fill('2027-11-30T12:00');
    await page.getByLabel('Nom', { exact: true }).fill('Service sélection ES');
    await page.getByLabel('Adresse e-mail').fill('selection-es@itsra.example');
    await page.getByRole('button', { name: 'Créer la sélection' }).click();
    await page.getByText('La sélection est créée.').waitFor();
    if (javaScript) await screenshot(page, 'service-selection-formulaire');

    await page.getByLabel('Titre du document').fill('Justificatif de statut salarié');
    await page.getByLabel('Le fichier (PDF)').setInputFiles({ name: 'justificatif.pdf', mimeType: 'application/pdf', buffer: samplePdf('formulaire') });
    await page.getByRole('button', { name: 'Enregistrer le document' }).click();
    await page.getByText('Le document téléchargeable est enregistré.').waitFor();
    const created = await site.stack.database.models.Selection.findById(id).lean();
    expect(created?.downloadableForms?.map((form) => [form.id, form.title])).toEqual([['justificatif-de-statut-salarie', 'Justificatif de statut salarié']]);

    // The exports, downloaded as a person would, and read back.
    await page.goto(`/service/selections/${selection.selectionId}`);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Exporter en CSV (Excel)' }).click()]);
    const csvText = (await bytesOf(csv)).toString('utf8');
    expect(csvText.startsWith('\uFEFFDossier;Statut;Nom')).toBe(true);
    const { dossierId } = await submittedDossier();
    await page.goto(`/service/dossiers/${encodeURIComponent(dossierId)}`);
    const [zip] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Télécharger toutes les pièces (ZIP)' }).click()]);
    expect((await readZip(await bytesOf(zip))).sort()).toEqual(['diplomes/1/bac.pdf', 'pieces-obligatoires/cv/cv.pdf', 'pieces-obligatoires/identity/identite.png', 'pieces-obligatoires/motivation/motivation.pdf']);
    await settle();
  });

  it("keeps another office's selection and dossiers out of reach of every page (404)", async () => {
    const { page } = await officePage();
    const stranger = await account('candidate');
    const record = await site.stack.database.models.Account.findById(stranger.id).lean();
    const { token } = await createSession(site.stack.database.models, record!, { idleMs: 3_600_000, absoluteMs: 3_600_000 });
    const dossierId = (await apiClient(site.stack.app, { token }).call('POST', `/api/selections/${otherSelection.selectionId}/dossiers`)).body.dossierId as string;
    for (const path of [`/service/selections/${otherSelection.selectionId}`, `/service/selections/${otherSelection.selectionId}/cloture`, `/service/selections/${otherSelection.selectionId}/modifier`, `/service/dossiers/${encodeURIComponent(dossierId)}`]) {
      const response = await page.goto(path);
      expect(response?.status(), path).toBe(404);
    }
    expect(await page.getByRole('heading', { name: 'Page introuvable' }).count()).toBe(1);
  });
});

async function bytesOf(download: { createReadStream(): Promise<NodeJS.ReadableStream> }): Promise<Buffer> {
  const stream = await download.createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}
