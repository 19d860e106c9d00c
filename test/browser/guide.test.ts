import { Readable } from 'node:stream';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../../accounts/sessions.js';
import { createFileStore } from '../../db/files.js';
import { loggedIn } from '../support/accounts.js';
import { apiClient } from '../support/api-client.js';
import { candidateJourney } from '../support/journey.js';
import { employerFormPdf } from '../../demo/employer-form.js';
import { samplePng } from '../support/files.js';
import { createSelection, hoursFromNow } from '../support/fixtures.js';
import {
  confirmEmail,
  declareComplete,
  enrol,
  expectStored,
  fillCivilStatus,
  logIn,
  logOut,
  newPerson,
  next,
  signUp,
  upload,
  validate,
} from './support/candidate.js';
import { checkEveryPage, linkIn, screenshot, useSite } from './support/site.js';

/**
 * The school's guide, screen by screen, in a real browser, through the pages
 * only (e-mails read from the test's SMTP server): with JavaScript on (axe
 * checks every page) and off (every step still works).
 */
const site = useSite();
/** A property of the element that has the focus. */
const focused = (page: Page, property: 'id' | 'textContent') => page.evaluate(`document.activeElement?.${property}`) as Promise<string | undefined>;
const TITLE = 'Éducateur spécialisé — rentrée 2027';
let selectionId: string;
let trainingId: string;

beforeAll(async () => {
  ({ selectionId, trainingId } = await createSelection(site.stack.database.models, { opensAt: hoursFromNow(-24), closesAt: hoursFromNow(24 * 21) }));
  // The selection's « documents téléchargeables »: the employer form, a real PDF.
  const form = await createFileStore(site.stack.database.connection).save(Readable.from([Buffer.from(await employerFormPdf())]), { filename: 'justificatif-statut-salarie.pdf', contentType: 'application/pdf' });
  await site.stack.database.models.Selection.updateOne(
    { _id: selectionId },
    { $set: { downloadableForms: [{ id: 'justificatif-statut-salarie', title: 'Justificatif de statut salarié', fileId: form.id, filename: form.filename }] } },
  );
});

describe.each([
  { javaScript: true, mode: 'JavaScript on' },
  { javaScript: false, mode: 'JavaScript off' },
])('the guide in the browser, $mode', ({ javaScript }) => {
  const seen = new Set<string>();
  const checks = new WeakMap<Page, ReturnType<typeof checkEveryPage>>();
  /** A page of its own for each test, every page it loads checked with axe (JavaScript on). */
  async function openPage(): Promise<Page> {
    const context = await site.context(javaScript);
    const page = await context.newPage();
    checks.set(page, checkEveryPage(page, javaScript, seen));
    return page;
  }
  /** The last page checked too, and no violation found on any. */
  const settleChecks = async (page: Page) => {
    await page.waitForLoadState('load');
    const { check, failures } = checks.get(page)!;
    await check();
    expect(failures).toEqual([]);
  };

  it('a salaried candidate signs up, confirms the e-mail, downloads the employer form, fills every step, uploads it back and declares the dossier complete', async () => {
    const page = await openPage();
    const person = newPerson();
    await signUp(page, person);
    await confirmEmail(page, site, person);
    await page.getByRole('link', { name: 'Continuer' }).click();
    if (javaScript) await screenshot(page, 'espace');
    await enrol(page, TITLE);
    if (javaScript) await screenshot(page, 'etat-civil');

    await fillCivilStatus(page, 1);
    await validate(page);
    await next(page, 'Situation actuelle');

    await page.getByLabel('Votre situation actuelle').selectOption('salarie');
    await page.getByLabel('Employeur').fill('Association Les Volcans');
    await validate(page);
    await next(page, 'Pièces obligatoires');

    // « Documents téléchargeables »: the employer form, downloaded as is.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Justificatif de statut salarié' }).click()]);
    const form = await new Promise<Buffer>((resolve, reject) => {
      void download.createReadStream().then((stream) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
      });
    });
    expect(form.subarray(0, 5).toString()).toBe('%PDF-');

    await upload(page, 'CV', { name: 'cv.pdf' });
    await expectStored(page, 'CV', 'cv.pdf');
    await upload(page, "Pièce d'identité", { name: 'identite.png', bytes: samplePng(), mimeType: 'image/png' });
    await upload(page, 'Lettre de motivation / projet professionnel', { name: 'lettre.pdf' });
    await upload(page, 'Justificatif de statut salarié', { name: 'justificatif-signe.pdf', bytes: form });
    await expectStored(page, 'Justificatif de statut salarié', 'justificatif-signe.pdf');
    if (javaScript) await screenshot(page, 'pieces-obligatoires');
    await page.getByRole('link', { name: 'Suivant', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Diplômes' }).waitFor();

    await page.getByLabel('Intitulé du diplôme').fill('Baccalauréat ES');
    await page.getByLabel("Année d'obtention").fill('2016');
    await validate(page);
    await upload(page, 'Le diplôme', { name: 'bac.pdf' });
    await expectStored(page, 'Le diplôme', 'bac.pdf');
    await next(page, 'Expériences professionnelles');

    await page.getByLabel('Poste occupé').fill('Animatrice');
    await page.getByLabel('Employeur').fill('Foyer Saint-Jean');
    await page.getByLabel('Date de début').fill('2019-09-01');
    await validate(page);
    await upload(page, 'Le justificatif', { name: 'attestation.pdf' });
    await next(page, 'Déclaration');

    await page.getByLabel("Dossier complet à travailler par l'ITSRA").check();
    if (javaScript) await screenshot(page, 'declaration');
    await page.getByRole('button', { name: 'Valider ma saisie' }).click();
    await page.getByRole('heading', { name: 'Confirmer : dossier complet' }).waitFor();
    await page.getByRole('button', { name: "Je confirme : dossier complet à travailler par l'ITSRA" }).click();
    await page.getByRole('heading', { name: 'Récapitulatif de mon dossier' }).waitFor();
    expect(await page.getByText("votre dossier va être étudié par le service sélection de l'ITSRA").count()).toBe(1);
    // Read-only, as it was submitted: no form left, the files listed.
    expect(await page.locator('main form').count()).toBe(0);
    expect(await page.getByRole('link', { name: 'justificatif-signe.pdf' }).count()).toBe(1);
    if (javaScript) await screenshot(page, 'recapitulatif');
    await site.email(person.email, /Dossier complet reçu/);
    await settleChecks(page);
  });

  it('a candidate without a diploma uploads the « Ne possède pas de diplôme » page, and is asked to confirm the e-mail before « complet »', async () => {
    const page = await openPage();
    const person = newPerson('Paul');
    await signUp(page, person);
    await enrol(page, TITLE);
    await fillCivilStatus(page, 2);
    await validate(page);
    await next(page, 'Situation actuelle');
    await page.getByLabel('Votre situation actuelle').selectOption('demandeur-emploi');
    await validate(page);
    await next(page, 'Pièces obligatoires');
    for (const title of ['CV', "Pièce d'identité", 'Lettre de motivation / projet professionnel']) await upload(page, title, { name: `${title.slice(0, 3)}.pdf` });
    await next(page, 'Diplômes');
    expect(await page.getByText('« Ne possède pas de diplôme »').first().isVisible()).toBe(true);
    await page.getByLabel('Je ne possède pas de diplôme').check();
    await validate(page);
    await upload(page, 'La page « Ne possède pas de diplôme »', { name: 'sans-diplome.pdf' });
    await expectStored(page, 'La page « Ne possède pas de diplôme »', 'sans-diplome.pdf');
    // A diploma cannot join « Ne possède pas de diplôme »: no form to add one.
    expect(await page.getByRole('heading', { name: '+ Ajouter un autre diplôme' }).count()).toBe(0);
    await next(page, 'Expériences professionnelles');
    await next(page, 'Déclaration');

    await declareComplete(page, { refused: true });
    await page.locator('.error-summary').getByText('Confirmez d’abord votre adresse e-mail', { exact: false }).waitFor();
    expect(await page.title()).toContain('Déclaration');

    await confirmEmail(page, site, person);
    await page.goto('/mes-inscriptions');
    await page.getByRole('link', { name: /Compléter un dossier en cours/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Déclaration' }).waitFor();
    await declareComplete(page);
    expect(await page.getByText('Complet, à étudier').count()).toBeGreaterThan(0);
    await settleChecks(page);
  });

  it('a candidate declares « incomplet », logs out, comes back through « Mes inscriptions » and is told what remains', async () => {
    const page = await openPage();
    const person = newPerson('Léa');
    await signUp(page, person);
    await enrol(page, TITLE);
    await fillCivilStatus(page, 3);
    await validate(page);
    await page.goto(page.url().replace('etat-civil', 'declaration'));
    // « Complet » refused at once, with the list of what is missing, each a link to its screen.
    await page.getByLabel("Dossier complet à travailler par l'ITSRA").check();
    await page.getByRole('button', { name: 'Valider ma saisie' }).click();
    const missing = page.locator('.notice.warn').getByRole('link', { name: 'CV à téléverser' });
    await missing.waitFor();
    expect(await missing.getAttribute('href')).toMatch(/\/pieces$/);
    if (javaScript) await screenshot(page, 'declaration-refusee');

    await page.getByLabel('Dossier incomplet : je poursuivrai mon inscription plus tard').check();
    await page.getByRole('button', { name: 'Valider ma saisie' }).click();
    await page.getByRole('heading', { name: 'Dossier enregistré comme incomplet' }).waitFor();
    await site.email(person.email, /à compléter/);
    await logOut(page);

    await logIn(page, person.email);
    await page.getByRole('link', { name: 'Mes inscriptions' }).first().click();
    await page.getByText('Situation actuelle à renseigner').waitFor();
    if (javaScript) await screenshot(page, 'mes-inscriptions');
    await page.getByRole('link', { name: /Compléter un dossier en cours/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Situation actuelle' }).waitFor();
    await settleChecks(page);
  });

  it('resets a forgotten password through the e-mailed link, then logs in with it', async () => {
    const page = await openPage();
    const person = newPerson('Jeanne');
    await signUp(page, person);
    await logOut(page);
    await page.getByRole('link', { name: 'Mot de passe oublié ?' }).click();
    await page.getByLabel('Identifiant').fill(person.identifier);
    await page.getByLabel('Adresse e-mail').fill(person.email);
    await page.getByRole('button', { name: "M'envoyer un lien de réinitialisation de mon mot de passe" }).click();
    await page.getByRole('heading', { name: 'E-mail envoyé' }).waitFor();
    const email = await site.email(person.email, /mot de passe/i);
    await page.goto(linkIn(email, site.origin));
    await page.getByLabel('Nouveau mot de passe', { exact: true }).fill('un autre chemin de traverse');
    await page.getByLabel('Confirmez le nouveau mot de passe').fill('un autre chemin de traverse');
    await page.getByRole('button', { name: 'Enregistrer mon nouveau mot de passe' }).click();
    await page.getByRole('heading', { name: 'Mot de passe modifié' }).waitFor();
    await page.getByRole('link', { name: 'Retour à la page de connexion' }).click();
    await logIn(page, person.identifier, 'un autre chemin de traverse');
    await settleChecks(page);
  });

  it('shows a refused upload and a refused field with their messages, tied to their fields, keeping what was typed', async () => {
    const page = await openPage();
    await signUp(page, newPerson('Ada'));
    await enrol(page, TITLE);
    await page.getByLabel('Nom de naissance').fill('Lovelace');
    await page.getByLabel('Date de naissance').fill('2031-01-01');
    await page.getByRole('button', { name: 'Valider ma saisie' }).click();
    const summary = page.locator('.error-summary');
    await summary.waitFor();
    expect(await summary.getByRole('link', { name: 'Prénoms : champ obligatoire' }).count()).toBe(1);
    expect(await page.getByLabel('Nom de naissance').inputValue()).toBe('Lovelace');
    expect(await page.getByLabel('Prénoms').getAttribute('aria-invalid')).toBe('true');
    if (javaScript) await screenshot(page, 'erreurs');

    await fillCivilStatus(page, 4);
    await validate(page);
    await next(page, 'Situation actuelle');
    await page.getByLabel('Votre situation actuelle').selectOption('etudiant');
    await validate(page);
    await next(page, 'Pièces obligatoires');
    await upload(page, 'CV', { name: 'cv.exe', bytes: Buffer.from('MZ programme'), mimeType: 'application/octet-stream' });
    await page.locator('.error-summary').getByText('Ce type de fichier n’est pas accepté').waitFor();
    // A file cut short in transfer (a PNG without its end).
    await upload(page, 'CV', { name: 'cv.png', bytes: samplePng().subarray(0, 40), mimeType: 'image/png' });
    await page.locator('.error-summary').getByText('Le fichier semble incomplet ou endommagé').waitFor();
    expect(await page.locator('form.upload').filter({ hasText: 'CV' }).first().getByText('À déposer').count()).toBe(1);
    await settleChecks(page);
  });
});

describe('a dossier the office asked to change, answered in the browser', () => {
  it('shows the office’s comment and the refused document, takes the new file and the new declaration', async () => {
    const context = await site.context(true);
    const page = await context.newPage();
    const { check, failures } = checkEveryPage(page, true, new Set());
    const person = newPerson('Suzanne');
    await signUp(page, person);
    await confirmEmail(page, site, person);
    const account = await site.stack.database.models.Account.findOne({ identifier: person.identifier }).lean();
    // The dossier filled and declared through the API, as another front end could; the office's decision through the API too.
    const candidateApi = apiClient(site.stack.app, { token: (await createSession(site.stack.database.models, account!, { idleMs: 3_600_000, absoluteMs: 3_600_000 })).token });
    const dossierId = await candidateJourney(candidateApi, selectionId, { n: 7 });
    const office = await loggedIn(site.stack, { role: 'office', trainingIds: [trainingId] });
    const officeApi = apiClient(site.stack.app, { token: office.token });
    const dossier = (await officeApi.call('GET', `/api/dossiers/${encodeURIComponent(dossierId)}`)).body;
    await officeApi.call('POST', `/api/staff/dossiers/${encodeURIComponent(dossierId)}/reviews`, { fileId: dossier.documents.identity.fileId, verdict: 'refused', comment: 'Photo illisible' });
    const asked = await officeApi.call('POST', `/api/staff/dossiers/${encodeURIComponent(dossierId)}/decision`, { decision: 'requestChanges', comment: 'Merci de déposer une pièce d’identité lisible.' });
    expect(asked.body.status).toBe('CHANGES_REQUESTED');

    await page.goto('/mes-inscriptions');
    await page.getByText('Merci de déposer une pièce d’identité lisible.').waitFor();
    expect(await page.getByText(/Photo illisible/).count()).toBe(1);
    await screenshot(page, 'modifications-demandees');
    await page.getByRole('link', { name: /Compléter un dossier en cours/ }).click();
    await page.goto(page.url().replace(/\/[^/]+$/, '/pieces'));
    await upload(page, "Pièce d'identité", { name: 'identite-lisible.pdf' });
    await expectStored(page, "Pièce d'identité", 'identite-lisible.pdf');
    await page.goto(page.url().replace(/\/pieces.*$/, '/declaration'));
    await declareComplete(page);
    expect((await officeApi.call('GET', `/api/dossiers/${encodeURIComponent(dossierId)}`)).body.status).toBe('SUBMITTED');
    await check();
    expect(failures).toEqual([]);
  });
});

describe('the browser, beyond the guide', () => {
  it('escapes what a person typed: a name with <script> is shown, never run', async () => {
    const context = await site.context(true);
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const person = { ...newPerson('<script>alert(1)</script>'), lastName: '<img src=x onerror=alert(2)>' };
    await signUp(page, person);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('<script>alert(1)</script>');
    expect(dialogs).toEqual([]);
    expect(await page.locator('main script, main img').count()).toBe(0);
  });

  it('does a step with the keyboard alone', async () => {
    const context = await site.context(true);
    const page = await context.newPage();
    await signUp(page, newPerson('Clavier'));
    await enrol(page, TITLE);
    await page.goto(page.url().replace('etat-civil', 'situation'));
    await page.getByRole('heading', { level: 1, name: 'Situation actuelle' }).waitFor();
    // From the skip link to the form, by Tab only.
    await page.keyboard.press('Tab');
    expect(await focused(page, 'textContent')).toBe('Aller au contenu');
    await page.keyboard.press('Enter');
    for (let n = 0; n < 40 && (await focused(page, 'id')) !== 'champ-status'; n += 1) await page.keyboard.press('Tab');
    expect(await focused(page, 'id')).toBe('champ-status');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await focused(page, 'textContent')).toBe('Valider ma saisie');
    await page.keyboard.press('Enter');
    await page.getByText('Votre saisie est enregistrée.').waitFor();
    expect(await page.getByLabel('Votre situation actuelle').inputValue()).not.toBe('');
  });

  it('answers an unknown page with a French 404 page', async () => {
    const context = await site.context(true);
    const page = await context.newPage();
    const response = await page.goto('/cette-page-n-existe-pas');
    expect(response?.status()).toBe(404);
    await page.getByRole('heading', { level: 1, name: 'Page introuvable' }).waitFor();
    await screenshot(page, 'page-introuvable');
  });

  it('keeps what was typed when the service is unavailable (503, « réessayez dans quelques instants »)', async () => {
    const context = await site.context(false);
    const page = await context.newPage();
    await signUp(page, newPerson('Panne'));
    await enrol(page, TITLE);
    // No worker any more: the step cannot be applied, the API gives up after WORKFLOW_UPDATE_TIMEOUT_MS.
    await site.stack.stopWorker();
    await fillCivilStatus(page, 9);
    const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Valider ma saisie' }).click()]);
    expect(response.status()).toBe(503);
    await page.locator('.error-summary').getByText('réessayez dans quelques instants').waitFor();
    expect(await page.getByLabel('Nom de naissance').inputValue()).toBe('Martin-9');
    expect(await page.getByLabel('Téléphone').inputValue()).toBe('06 11 22 33 44');
  });

  it('lists the open selections with their office contact and documents, for anyone', async () => {
    const context = await site.context(true);
    const page = await context.newPage();
    await page.goto('/selections');
    await page.getByRole('heading', { level: 2, name: TITLE }).waitFor();
    expect(await page.getByText('selection@itsra.example').count()).toBeGreaterThan(0);
    expect(await page.getByRole('link', { name: 'Justificatif de statut salarié' }).count()).toBe(1);
    await screenshot(page, 'selections');
  });
});
