/** The guide's gestures, as a person makes them in the browser: only links, labels and buttons, as the pages show them. */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { samplePdf } from '../../support/files.js';
import { civilStatusOf } from '../../support/fixtures.js';
import { linkIn, type Site } from './site.js';

export const PASSWORD = 'la mer argentée au loin';

export interface Person {
  identifier: string;
  email: string;
  firstName: string;
  lastName: string;
}

let sequence = 0;
export function newPerson(firstName = 'Marie'): Person {
  sequence += 1;
  const identifier = `cand${Date.now().toString(36)}${sequence}`;
  return { identifier, email: `${identifier}@example.org`, firstName, lastName: 'Curie' };
}

/** Waits for the page that a click, a form or a redirect leads to. */
export async function clickAndWait(page: Page, click: () => Promise<void>): Promise<void> {
  await Promise.all([page.waitForLoadState('load'), click()]);
  await page.waitForLoadState('load');
}

/** « S'inscrire à une formation » → the form → « Valider ma saisie »: the account exists and its owner is logged in. */
export async function signUp(page: Page, person: Person): Promise<void> {
  await page.goto('/');
  await page.getByRole('link', { name: "S'inscrire à une formation" }).first().click();
  await page.getByLabel('Prénom', { exact: true }).fill(person.firstName);
  await page.getByLabel('Nom', { exact: true }).fill(person.lastName);
  await page.getByLabel('Identifiant', { exact: true }).fill(person.identifier);
  await page.getByLabel('Adresse e-mail').fill(person.email);
  await page.getByLabel('Mot de passe', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Valider ma saisie' }).click();
  await page.waitForURL(/\/espace/);
  await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(`Bonjour ${person.firstName}`);
}

/** The link of the verification e-mail → « Confirmer mon adresse e-mail ». */
export async function confirmEmail(page: Page, site: Site, person: Person): Promise<void> {
  const email = await site.email(person.email, /Confirmez votre adresse e-mail/);
  await page.goto(linkIn(email, site.origin));
  await page.getByRole('button', { name: 'Confirmer mon adresse e-mail' }).click();
  await page.getByRole('heading', { name: 'Adresse e-mail confirmée' }).waitFor();
}

export async function logIn(page: Page, login: string, password = PASSWORD): Promise<void> {
  await page.goto('/connexion');
  await page.getByLabel('Identifiant ou adresse e-mail').fill(login);
  await page.getByLabel('Mot de passe', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Connexion' }).click();
  await page.waitForURL(/\/espace|\/mes-inscriptions|\/service/);
}

export async function logOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Se déconnecter' }).first().click();
  await page.waitForURL(/\/connexion/);
}

/** « M'inscrire à une sélection » → the list → « + S'inscrire » on `title`: the dossier's first screen. */
export async function enrol(page: Page, title: string): Promise<void> {
  await page.getByRole('link', { name: "M'inscrire à une sélection" }).first().click();
  await page.getByRole('heading', { name: 'Les sélections ouvertes' }).waitFor();
  await page.getByRole('button', { name: `+ S'inscrire à « ${title} »` }).click();
  await page.getByRole('heading', { level: 1, name: 'État civil' }).waitFor();
}

/** « Valider ma saisie », then the notice that it is saved. */
export async function validate(page: Page, button = 'Valider ma saisie'): Promise<void> {
  await page.getByRole('button', { name: button, exact: true }).first().click();
  await page.getByText('Votre saisie est enregistrée.').waitFor();
}

export async function next(page: Page, heading: string): Promise<void> {
  await page.getByRole('link', { name: 'Suivant', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

export async function fillCivilStatus(page: Page, n = 1): Promise<void> {
  const c = civilStatusOf(n);
  await page.getByLabel('Civilité').selectOption(c.civility);
  await page.getByLabel('Nom de naissance').fill(c.lastName);
  await page.getByLabel('Prénoms').fill(c.firstNames);
  await page.getByLabel('Date de naissance').fill(c.birthDate);
  await page.getByLabel('Lieu de naissance').fill(c.birthPlace);
  await page.getByLabel('Pays de naissance').fill(c.birthCountry);
  await page.getByLabel('Nationalité').fill(c.nationality);
  await page.getByLabel('Numéro et voie').fill(c.address.line1);
  await page.getByLabel('Code postal').fill(c.address.postalCode);
  await page.getByLabel('Ville').fill(c.address.city);
  await page.getByLabel('Pays', { exact: true }).fill(c.address.country);
  await page.getByLabel('Téléphone').fill(c.phone);
}

/** Puts a file in one upload form (found by its title) and sends it; waits for the page that says it is stored. */
export async function upload(page: Page, formTitle: string, file: { name: string; bytes?: Buffer; mimeType?: string }): Promise<void> {
  const form = page.locator('form.upload').filter({ has: page.getByRole('heading', { name: formTitle, exact: true }) });
  await form.locator('input[type="file"]').setInputFiles({ name: file.name, mimeType: file.mimeType ?? 'application/pdf', buffer: file.bytes ?? samplePdf(file.name) });
  await form.locator('button[type="submit"]').click();
  // Stored: the screen comes back with the file in its form. Refused: the same screen, with its error summary.
  const stored = page.locator('form.upload').filter({ has: page.getByRole('heading', { name: formTitle, exact: true }) }).getByRole('link', { name: file.name, exact: true });
  await Promise.race([stored.waitFor(), page.locator('.error-summary').waitFor()]);
  await page.waitForLoadState('load');
}

export async function expectStored(page: Page, formTitle: string, filename: string): Promise<void> {
  const form = page.locator('form.upload').filter({ has: page.getByRole('heading', { name: formTitle, exact: true }) });
  await form.getByText('Déposé').waitFor();
  expect(await form.getByRole('link', { name: filename }).count()).toBe(1);
}

/** « Dossier complet à travailler par l'ITSRA » → « Valider ma saisie » → the confirmation → the summary (or, refused, the declaration again). */
export async function declareComplete(page: Page, options: { refused?: boolean } = {}): Promise<void> {
  await page.getByLabel("Dossier complet à travailler par l'ITSRA").check();
  await page.getByRole('button', { name: 'Valider ma saisie' }).click();
  await page.getByRole('button', { name: "Je confirme : dossier complet à travailler par l'ITSRA" }).click();
  if (!options.refused) await page.getByRole('heading', { name: 'Récapitulatif de mon dossier' }).waitFor();
}
