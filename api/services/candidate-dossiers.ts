/**
 * Which dossiers a candidate has: kept on the account (`dossierIds`) so that
 * « Mes inscriptions » reads each dossier by `_id`. A query on
 * `candidate.id` instead costs a read of every stored dossier on FerretDB,
 * which evaluates any filter but `_id` alone by scanning
 * (docs/BENCHMARKS.md, « how cost grows »).
 *
 * The list only grows: a dossier removed later (retention) is skipped when
 * read. An id is added before the dossier's workflow starts, so a dossier
 * that exists is always listed.
 */
import type { Models } from '../../db/models.js';
import type { DossierState } from '../../domain/dossier-record.js';

type AccountModels = Pick<Models, 'Account' | 'Dossier'>;

/** The account's dossier ids; an account from before the list existed gets it from one query, once. */
async function dossierIdsOf(models: AccountModels, accountId: string, known: string[] | null | undefined): Promise<string[]> {
  if (known) return known;
  const found = (await models.Dossier.find({ 'candidate.id': accountId }, { _id: 1 }).lean()).map((record) => String(record._id));
  // $addToSet: a dossier opened meanwhile (added by `rememberDossier`) is kept.
  await models.Account.updateOne({ _id: accountId }, { $addToSet: { dossierIds: { $each: found } } });
  return found;
}

/** Adds a dossier to its candidate's list, before the dossier exists (idempotent). */
export async function rememberDossier(models: AccountModels, accountId: string, dossierId: string): Promise<void> {
  const account = await models.Account.findById(accountId, { dossierIds: 1 }).lean();
  if (!account) return; // not an account (benchmarks open dossiers for bare candidates)
  await dossierIdsOf(models, accountId, account.dossierIds);
  await models.Account.updateOne({ _id: accountId }, { $addToSet: { dossierIds: dossierId } });
}

/** The candidate's stored dossiers, latest opened first, each read by `_id`. */
export async function candidateDossierStates(models: AccountModels, account: { _id: string; dossierIds?: string[] | null }): Promise<DossierState[]> {
  const ids = await dossierIdsOf(models, account._id, account.dossierIds);
  const records = await Promise.all(ids.map((id) => models.Dossier.findById(id).lean()));
  return records
    .filter((record) => record !== null)
    .sort((a, b) => Number(b.createdAt) - Number(a.createdAt))
    .map((record) => record.state as DossierState);
}
