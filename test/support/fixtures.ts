import { randomUUID } from 'node:crypto';
import type { Models } from '../../db/models.js';

/** A training and a selection with the given window; ids are unique per call. */
export async function createSelection(models: Models, window: { opensAt: Date; closesAt: Date; reminderOffsetsDays?: number[] }) {
  const suffix = randomUUID().slice(0, 8);
  const trainingId = `es-${suffix}`;
  await models.Training.create({ _id: trainingId, title: 'Éducateur spécialisé', diploma: "Diplôme d'État d'éducateur spécialisé" });
  const selection = await models.Selection.create({
    _id: `${trainingId}-2027`,
    trainingId,
    title: 'Éducateur spécialisé — rentrée 2027',
    ...window,
    officeContact: { name: 'Service sélection', email: 'selection@itsra.example', phone: '04 73 17 01 00' },
  });
  return { trainingId, selectionId: selection._id };
}

export function candidate(id = `c-${randomUUID().slice(0, 8)}`) {
  return { id, email: `${id}@example.org`, firstName: 'Camille', lastName: 'Dupont' };
}

/** Reminder offsets are in days: a test's reminders are seconds before the closing date. */
export const SECOND_IN_DAYS = 1 / 86_400;

export const hoursFromNow = (hours: number) => new Date(Date.now() + hours * 3600_000);

/** "État civil" as a candidate fills it; `n` varies the name, so many candidates differ. */
export const civilStatusOf = (n: number) => ({
  civility: 'madame' as const,
  lastName: `Martin-${n}`,
  firstNames: 'Léa',
  birthDate: '1998-06-02',
  birthPlace: 'Vichy',
  birthCountry: 'France',
  nationality: 'française',
  address: { line1: '3 rue Blatin', postalCode: '63000', city: 'Clermont-Ferrand', country: 'France' },
  phone: '06 11 22 33 44',
});
export const civilStatus = { ...civilStatusOf(0), lastName: 'Dupont', firstNames: 'Camille' };
