import type { Models } from '../../db/models.js';

export interface SelectionSummary {
  id: string;
  title: string;
  training: { id: string; title: string; diploma: string };
  opensAt: string;
  closesAt: string;
  isOpen: boolean;
  officeContact: { name: string; email: string; phone?: string };
}

/** The one rule for "open": opened already and not yet closed. */
export function isSelectionOpen(selection: { opensAt: Date; closesAt: Date }, now: Date): boolean {
  return selection.opensAt.getTime() <= now.getTime() && now.getTime() < selection.closesAt.getTime();
}

type SelectionModels = Pick<Models, 'Selection' | 'Training'>;

async function summarize(models: SelectionModels, selections: Awaited<ReturnType<Models['Selection']['find']>>, now: Date) {
  const trainingIds = [...new Set(selections.map((s) => s.trainingId))];
  const trainings = new Map((await models.Training.find({ _id: { $in: trainingIds } }).lean()).map((t) => [t._id, t]));
  return selections.flatMap((selection): SelectionSummary[] => {
    const training = trainings.get(selection.trainingId);
    if (!training) return [];
    const contact = selection.officeContact;
    return [
      {
        id: selection._id,
        title: selection.title,
        training: { id: training._id, title: training.title, diploma: training.diploma },
        opensAt: selection.opensAt.toISOString(),
        closesAt: selection.closesAt.toISOString(),
        isOpen: isSelectionOpen(selection, now),
        officeContact: { name: contact.name, email: contact.email, ...(contact.phone ? { phone: contact.phone } : {}) },
      },
    ];
  });
}

export async function listOpenSelections(models: SelectionModels, now: Date): Promise<SelectionSummary[]> {
  const selections = await models.Selection.find({ opensAt: { $lte: now }, closesAt: { $gt: now } }).sort({ closesAt: 1, _id: 1 });
  return summarize(models, selections, now);
}

export async function findSelection(models: SelectionModels, selectionId: string, now: Date): Promise<SelectionSummary | null> {
  const selection = await models.Selection.findById(selectionId);
  if (!selection) return null;
  const [summary] = await summarize(models, [selection], now);
  return summary ?? null;
}

/** Every selection of the given trainings ('all' for an administrator), latest closing first. */
export async function listSelectionsForStaff(models: SelectionModels, trainingIds: string[] | 'all', now: Date): Promise<SelectionSummary[]> {
  const filter = trainingIds === 'all' ? {} : { trainingId: { $in: trainingIds } };
  const selections = await models.Selection.find(filter).sort({ closesAt: -1, _id: 1 });
  return summarize(models, selections, now);
}
