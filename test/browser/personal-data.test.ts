import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { eventually } from '../support/stack.js';
import { unzip } from '../support/zip.js';
import { clickAndWait, newPerson, PASSWORD, signUp } from './support/candidate.js';
import { checkEveryPage, linkIn, useSite } from './support/site.js';

/**
 * A candidate's personal data through the pages only, with JavaScript on
 * (axe checks every page) and off: the notice before signing up, « Télécharger
 * mes données », « Supprimer mon compte » confirmed by the e-mailed link.
 */
const site = useSite();

describe.each([
  { javaScript: true, mode: 'JavaScript on' },
  { javaScript: false, mode: 'JavaScript off' },
])('personal data in the browser, $mode', ({ javaScript }) => {
  const seen = new Set<string>();
  async function openPage(): Promise<{ page: Page; failures: string[] }> {
    const page = await (await site.context(javaScript)).newPage();
    return { page, failures: checkEveryPage(page, javaScript, seen).failures };
  }

  it('shows the notice before signing up and records its version; gives the data back; erases the account after the e-mailed link', async () => {
    const { page, failures } = await openPage();
    // The notice, from every page's footer.
    await page.goto('/');
    await clickAndWait(page, () => page.getByRole('link', { name: 'Données personnelles' }).click());
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Vos données personnelles');
    await expect(page.getByText('dossier validé : 36 mois').count()).resolves.toBeGreaterThan(0);

    // On the sign-up form, folded, and the version goes with the form.
    await page.goto('/inscription');
    await page.getByText('Vos données personnelles : ce que nous en faisons').click();
    await expect(page.getByRole('heading', { name: 'Vos droits' }).isVisible()).resolves.toBe(true);
    const person = newPerson('Inès');
    await signUp(page, person);
    const account = await site.stack.database.models.Account.findOne({ identifier: person.identifier }).lean();
    expect(account?.privacyNotice?.version).toBe(site.stack.app.privacyNotice.version);

    // « Mon compte » → « Télécharger mes données ».
    await page.goto('/mon-compte');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Télécharger mes données' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^mes-donnees-candidature-\d{4}-\d{2}-\d{2}\.zip$/);
    const entries = await unzip(await readFile((await download.path())!));
    expect(JSON.parse(entries.get('mes-donnees.json')!.toString()).account.identifier).toBe(person.identifier);

    // « Supprimer mon compte »: a wrong password is said next to the field; the right one sends the link.
    await clickAndWait(page, () => page.getByRole('link', { name: 'Supprimer mon compte' }).click());
    await page.getByLabel('Mot de passe actuel', { exact: true }).fill('pas le mien du tout');
    await clickAndWait(page, () => page.getByRole('button', { name: "M'envoyer le lien de suppression" }).click());
    await expect(page.getByText('Le mot de passe actuel est incorrect.').count()).resolves.toBeGreaterThan(0);
    await page.getByLabel('Mot de passe actuel', { exact: true }).fill(PASSWORD);
    await clickAndWait(page, () => page.getByRole('button', { name: "M'envoyer le lien de suppression" }).click());
    await page.waitForURL(/\/mon-compte\?message=suppression-demandee/);
    await expect(page.getByText('ouvrez son lien dans l’heure').count()).resolves.toBeGreaterThan(0);

    const email = await site.email(person.email, /Confirmez la suppression/);
    await page.goto(linkIn(email, site.origin));
    await clickAndWait(page, () => page.getByRole('button', { name: 'Supprimer définitivement mon compte' }).click());
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Suppression en cours');
    await eventually(async () => !(await site.stack.database.models.Account.exists({ identifier: person.identifier })), 60_000);
    await site.email(person.email, /Votre compte a été supprimé/);

    // Gone: the log-in is refused.
    await page.goto('/connexion');
    await page.getByLabel('Identifiant ou adresse e-mail').fill(person.identifier);
    await page.getByLabel('Mot de passe', { exact: true }).fill(PASSWORD);
    await clickAndWait(page, () => page.getByRole('button', { name: 'Connexion', exact: true }).click());
    await expect(page.getByText('Identifiant ou mot de passe incorrect.').count()).resolves.toBeGreaterThan(0);
    expect(failures).toEqual([]);
  }, 180_000);
});
