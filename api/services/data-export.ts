/**
 * "Télécharger mes données" (RGPD, right of access and portability): one ZIP
 * with everything the school holds about the account — a JSON of the account
 * and of every dossier as stored (the office's reviews and audit trail
 * included), the staff's reads of each dossier, every uploaded file, and a
 * readable PDF summary of each dossier.
 */
import type { Readable } from 'node:stream';
import type { FileStore } from '../../db/files.js';
import type { Models } from '../../db/models.js';
import type { DossierState } from '../../domain/dossier-record.js';
import { describeRetention, retentionOf } from '../../domain/retention.js';
import type { AuthContext } from '../auth.js';
import { zipStream } from '../downloads.js';
import { staffReadsOf } from '../staff-reads.js';
import { dossierSummaryPdf } from './dossier-summary-pdf.js';
import { viewAccount } from './accounts.js';
import { zipEntries } from './office.js';

const folderOf = (dossier: DossierState) => dossier.selectionId.replace(/[^\w.-]+/g, '_');

export async function exportPersonalData(
  models: Pick<Models, 'Dossier' | 'Selection' | 'StaffRead'>,
  files: Pick<FileStore, 'openDownload'>,
  auth: AuthContext,
  now = new Date(),
): Promise<{ filename: string; zip: Readable }> {
  const { account } = auth;
  const records = await models.Dossier.find({ 'candidate.id': account._id }).sort({ createdAt: 1 }).lean();
  const selections = new Map((await models.Selection.find({ _id: { $in: records.map((record) => record.selectionId) } }).lean()).map((selection) => [selection._id, selection]));
  const dossiers = await Promise.all(
    records.map(async (record) => {
      const state = record.state as DossierState;
      const selection = selections.get(state.selectionId);
      return {
        state,
        retention: selection ? describeRetention(retentionOf(selection)) : undefined,
        staffReads: await staffReadsOf(models, state.dossierId),
        summary: Buffer.from(await dossierSummaryPdf(state, now)),
      };
    }),
  );
  const json = {
    exportedAt: now.toISOString(),
    about:
      "Vos données, telles que l'école les conserve : votre compte, chacun de vos dossiers d'inscription (avec les avis du service sélection et l'historique), " +
      'les consultations de vos dossiers par le service sélection, et les durées de conservation. Les pièces déposées sont dans les dossiers à côté de ce fichier.',
    account: {
      ...viewAccount(account),
      createdAt: (account as { createdAt?: Date }).createdAt?.toISOString(),
      privacyNotice: account.privacyNotice ?? null,
    },
    dossiers: dossiers.map(({ state, retention, staffReads }) => ({ folder: folderOf(state), dossier: state, retention, staffReads })),
  };
  const generated = [
    { name: 'mes-donnees.json', bytes: Buffer.from(`${JSON.stringify(json, null, 2)}\n`) },
    ...dossiers.map(({ state, summary }) => ({ name: `${folderOf(state)}/recapitulatif.pdf`, bytes: summary })),
  ];
  const stored = dossiers.flatMap(({ state }) => zipEntries(state).map((entry) => ({ ...entry, name: `${folderOf(state)}/${entry.name}` })));
  return { filename: `mes-donnees-candidature-${now.toISOString().slice(0, 10)}.zip`, zip: zipStream(files, stored, generated) };
}
