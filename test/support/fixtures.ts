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

export const hoursFromNow = (hours: number) => new Date(Date.now() + hours * 3600_000);
