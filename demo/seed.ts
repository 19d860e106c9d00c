import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { FileStore } from '../db/files.js';
import type { Models } from '../db/models.js';
import { employerFormPdf } from './employer-form.js';
import { createAccount } from '../accounts/accounts.js';
import { parisDate, parisWallTime } from '../domain/paris-time.js';

/** A few of the school's real trainings, each with one admission round. */
const demoTrainings = [
  { id: 'educateur-specialise', title: 'Éducateur spécialisé', diploma: "Diplôme d'État d'éducateur spécialisé (DEES)", weeksOpen: 4 },
  { id: 'moniteur-educateur', title: 'Moniteur éducateur', diploma: "Diplôme d'État de moniteur éducateur (DEME)", weeksOpen: 5 },
  { id: 'assistant-service-social', title: 'Assistant de service social', diploma: "Diplôme d'État d'assistant de service social (DEASS)", weeksOpen: 4 },
  { id: 'educateur-jeunes-enfants', title: 'Éducateur de jeunes enfants', diploma: "Diplôme d'État d'éducateur de jeunes enfants (DEEJE)", weeksOpen: 6 },
  { id: 'accompagnant-educatif-social', title: 'Accompagnant éducatif et social', diploma: "Diplôme d'État d'accompagnant éducatif et social (DEAES)", weeksOpen: 3 },
] as const;

export const DEMO_STAFF_IDENTIFIER = 'admin';

export interface DemoSeedResult {
  /** True on the first start, when the data was created. */
  created: boolean;
  staff: { identifier: string; password: string };
}

/** Midday, Paris time, `weeks` weeks after `now`: a closing time a person would pick. */
function closingNoon(now: Date, weeks: number): Date {
  const { year, month, day } = parisDate(new Date(now.getTime() + weeks * 7 * 24 * 3600 * 1000));
  return parisWallTime(year, month, day, 12, 0);
}

/**
 * Loads the demo data once. Later starts change nothing (dates stay where the
 * first start put them) and read the staff password back from `credentialsFile`,
 * since the database keeps only its hash.
 */
export async function seedDemoData(models: Models, files: FileStore, options: { now: Date; credentialsFile: string }): Promise<DemoSeedResult> {
  const existing = await models.Account.exists({ identifier: DEMO_STAFF_IDENTIFIER });
  if (existing) {
    const saved = await readFile(options.credentialsFile, 'utf8').catch(() => '');
    const password = /password: (\S+)/.exec(saved)?.[1] ?? `(unknown: ${options.credentialsFile} is missing)`;
    return { created: false, staff: { identifier: DEMO_STAFF_IDENTIFIER, password } };
  }

  const year = parisDate(options.now).year + 1;
  const form = await files.save(Readable.from([Buffer.from(await employerFormPdf())]), {
    filename: 'justificatif-statut-salarie.pdf',
    contentType: 'application/pdf',
    metadata: { purpose: 'downloadableForm' },
  });
  for (const training of demoTrainings) {
    await models.Training.updateOne(
      { _id: training.id },
      { $setOnInsert: { title: training.title, diploma: training.diploma } },
      { upsert: true },
    );
    await models.Selection.updateOne(
      { _id: `${training.id}-${year}` },
      {
        $setOnInsert: {
          trainingId: training.id,
          title: `${training.title} — rentrée ${year}`,
          opensAt: options.now,
          closesAt: closingNoon(options.now, training.weeksOpen),
          officeContact: { name: `Service sélection — ${training.title}`, email: `selection+${training.id}@itsra.example`, phone: '04 73 17 01 00' },
          reminderOffsetsDays: [7, 1],
          downloadableForms: [{ id: 'justificatif-statut-salarie', title: 'Justificatif de statut salarié', fileId: form.id, filename: form.filename }],
        },
      },
      { upsert: true },
    );
  }

  const password = randomBytes(15).toString('base64url'); // 120 bits
  await writeFile(options.credentialsFile, `identifier: ${DEMO_STAFF_IDENTIFIER}\npassword: ${password}\n`, { mode: 0o600 });
  await createAccount(models, {
    identifier: DEMO_STAFF_IDENTIFIER,
    email: 'admin@itsra.example',
    firstName: 'Administrateur',
    lastName: 'Démo',
    role: 'admin',
    password,
    emailVerified: true,
  });
  return { created: true, staff: { identifier: DEMO_STAFF_IDENTIFIER, password } };
}
