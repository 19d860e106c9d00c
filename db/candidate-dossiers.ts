/**
 * Which dossiers a candidate opened, for « Mes inscriptions »: numbered slots
 * (`candidate_dossiers`, `_id` "<account id>:<n>") read by `_id` one after
 * the other, so that the list costs a few lookups whatever the number of
 * dossiers stored. A query on `candidate.id` costs a read of every stored
 * dossier on FerretDB, which evaluates any filter but `_id` alone by
 * scanning (docs/BENCHMARKS.md, « how cost grows »); db/models.ts says why
 * slots and not a list on the account.
 *
 * Slot 0 marks a complete list: inserted with the account, or after a first
 * fill from the query for an account from before the slots. A dossier takes
 * the first free slot before its workflow starts, so a dossier that exists
 * is listed; an erased one leaves its slot empty.
 */
import type { Models } from './models.js';
import { isDuplicateKeyError } from './errors.js';
import type { DossierState } from '../domain/dossier-record.js';

type SlotModels = Pick<Models, 'CandidateDossier' | 'Dossier'>;

const slotId = (accountId: string, n: number) => `${accountId}:${n}`;

/** Inserts; false when the `_id` is taken. */
async function insertSlot(models: Pick<Models, 'CandidateDossier'>, _id: string, dossierId: string | null): Promise<boolean> {
  try {
    await models.CandidateDossier.create({ _id, dossierId });
    return true;
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
}

/** A new account's empty, complete list. */
export async function startDossierList(models: Pick<Models, 'CandidateDossier'>, accountId: string): Promise<void> {
  await insertSlot(models, slotId(accountId, 0), null);
}

/** The dossier ids in the account's slots, in slot order (erased ones skipped, repeats once). */
async function slottedIds(models: Pick<Models, 'CandidateDossier'>, accountId: string): Promise<string[]> {
  const ids: string[] = [];
  for (let n = 1; ; n += 1) {
    const slot = await models.CandidateDossier.findById(slotId(accountId, n)).lean();
    if (!slot) return [...new Set(ids)];
    if (slot.dossierId) ids.push(slot.dossierId);
  }
}

async function takeSlot(models: Pick<Models, 'CandidateDossier'>, accountId: string, dossierId: string, from = 1): Promise<void> {
  for (let n = from; !(await insertSlot(models, slotId(accountId, n), dossierId)); n += 1);
}

/** An account from before the slots: its dossiers found by the query once, then marked complete. */
async function ensureComplete(models: SlotModels, accountId: string): Promise<void> {
  if (await models.CandidateDossier.exists({ _id: slotId(accountId, 0) })) return;
  const found = await models.Dossier.find({ 'candidate.id': accountId }, { _id: 1 }).sort({ createdAt: 1 }).lean();
  const listed = new Set(await slottedIds(models, accountId));
  for (const { _id } of found) if (!listed.has(String(_id))) await takeSlot(models, accountId, String(_id));
  await startDossierList(models, accountId);
}

/** Lists a dossier for its candidate, before the dossier exists. */
export async function rememberDossier(models: SlotModels & Pick<Models, 'Account'>, accountId: string, dossierId: string): Promise<void> {
  // A candidate without an account (the benchmarks open dossiers so) has no list: without this check each of
  // its openings would run the fill's query, a scan of every dossier.
  if (!(await models.Account.exists({ _id: accountId }))) return;
  await ensureComplete(models, accountId);
  await takeSlot(models, accountId, dossierId);
}

/** The candidate's stored dossiers, latest opened first, each read by `_id`. */
export async function candidateDossierStates(models: SlotModels, accountId: string): Promise<DossierState[]> {
  await ensureComplete(models, accountId);
  const records = await Promise.all((await slottedIds(models, accountId)).map((id) => models.Dossier.findById(id).lean()));
  return records
    .filter((record) => record !== null)
    .sort((a, b) => Number(b.createdAt) - Number(a.createdAt))
    .map((record) => record.state as DossierState);
}

/** An erased dossier leaves its slot empty: the list no longer names it. */
export async function forgetDossier(models: Pick<Models, 'CandidateDossier'>, accountId: string, dossierId: string): Promise<void> {
  for (let n = 1; ; n += 1) {
    const slot = await models.CandidateDossier.findById(slotId(accountId, n)).lean();
    if (!slot) return;
    if (slot.dossierId === dossierId) await models.CandidateDossier.updateOne({ _id: slot._id }, { $set: { dossierId: null } });
  }
}

/** An erased account: every slot removed. */
export async function dropDossierList(models: Pick<Models, 'CandidateDossier'>, accountId: string): Promise<void> {
  for (let n = 1; ; n += 1) {
    const { deletedCount } = await models.CandidateDossier.deleteOne({ _id: slotId(accountId, n) });
    if (deletedCount === 0) break;
  }
  await models.CandidateDossier.deleteOne({ _id: slotId(accountId, 0) });
}
