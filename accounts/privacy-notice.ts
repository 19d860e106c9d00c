/**
 * The information notice shown at sign-up (RGPD art. 13): purpose, legal
 * basis, who reads the data, rights, the school's contacts — written by the
 * school in a JSON file (content/privacy-notice.fr.json, or PRIVACY_NOTICE_FILE),
 * checked at start. The retention periods are not in the file: they are
 * written here from the rules themselves (domain/retention.ts), so the notice
 * cannot promise another period than the one applied. Each account records
 * the version it was shown.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ACCOUNT_INACTIVITY_MONTHS, ACCOUNT_REMOVAL_GRACE_DAYS, DEFAULT_RETENTION_MONTHS, describeRetention } from '../domain/retention.js';

const contactSchema = z.object({ name: z.string().min(1), email: z.email(), address: z.string().min(1).optional() });

export const privacyNoticeFileSchema = z.object({
  version: z.string().regex(/^[\w.-]{1,40}$/, 'a short version label, e.g. "2026-12-03"'),
  controller: contactSchema,
  dataProtectionContact: contactSchema,
  sections: z.array(z.object({ title: z.string().min(1), paragraphs: z.array(z.string().min(1)).min(1) })).min(1),
});

export const privacyNoticeSchema = privacyNoticeFileSchema.meta({
  id: 'PrivacyNotice',
  description: 'The information notice shown at sign-up; an account records the `version` it was shown.',
});
export type PrivacyNotice = z.infer<typeof privacyNoticeSchema>;

export const DEFAULT_PRIVACY_NOTICE_FILE = fileURLToPath(new URL('../content/privacy-notice.fr.json', import.meta.url));

export class PrivacyNoticeError extends Error {
  override name = 'PrivacyNoticeError';
}

function retentionSection(): PrivacyNotice['sections'][number] {
  return {
    title: 'Combien de temps nous les gardons',
    paragraphs: [
      `Chaque sélection affiche ses durées de conservation avant l'inscription. Par défaut, après la clôture de la sélection : ${describeRetention(DEFAULT_RETENTION_MONTHS).join(' ; ')}. Passé ce délai, le dossier, ses pièces et son historique sont effacés.`,
      `Un compte sans dossier, sans connexion depuis ${ACCOUNT_INACTIVITY_MONTHS} mois, est supprimé ${ACCOUNT_REMOVAL_GRACE_DAYS} jours après un e-mail d'avertissement (une connexion suffit à le garder). Les sessions expirent d'elles-mêmes ; les liens envoyés par e-mail ne servent qu'une fois.`,
    ],
  };
}

/** Reads and checks the school's file; the retention section is added after its second section. */
export function loadPrivacyNotice(file = DEFAULT_PRIVACY_NOTICE_FILE): PrivacyNotice {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new PrivacyNoticeError(`privacy notice ${file}: ${(error as Error).message}`);
  }
  const checked = privacyNoticeFileSchema.safeParse(parsed);
  if (!checked.success) throw new PrivacyNoticeError(`privacy notice ${file}: ${checked.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  const sections = [...checked.data.sections];
  sections.splice(Math.min(2, sections.length), 0, retentionSection());
  return { ...checked.data, sections };
}
