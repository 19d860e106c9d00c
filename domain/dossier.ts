/**
 * The dossier's rules, in one place: what each step holds, which situations
 * exist, what "complete" means. Imported by the API (request schemas, views)
 * and by the workflow (Update validators), so it must stay deterministic and
 * free of Node APIs.
 */
import { z } from 'zod';
import './validation.js';

export const MAX_DIPLOMAS = 20;
export const MAX_EXPERIENCES = 30;

/** "Situation actuelle": the list of the guide's drop-down menu. */
export const SITUATIONS = [
  { code: 'salarie', label: 'Salarié(e)', employerFormRequired: true },
  { code: 'demandeur-emploi', label: "Demandeur(se) d'emploi", employerFormRequired: false },
  { code: 'etudiant', label: 'Étudiant(e)', employerFormRequired: false },
  { code: 'lyceen', label: 'Lycéen(ne)', employerFormRequired: false },
  { code: 'apprenti', label: 'Apprenti(e)', employerFormRequired: false },
  { code: 'independant', label: 'Travailleur(se) indépendant(e)', employerFormRequired: false },
  { code: 'sans-activite', label: 'Sans activité professionnelle', employerFormRequired: false },
] as const;
export type SituationCode = (typeof SITUATIONS)[number]['code'];
const situationCodes = SITUATIONS.map((s) => s.code) as [SituationCode, ...SituationCode[]];

export const DOCUMENT_KINDS = ['cv', 'identity', 'motivation', 'employerForm'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];
export const DOCUMENT_LABELS: Record<DocumentKind, string> = {
  cv: 'CV',
  identity: "Pièce d'identité",
  motivation: 'Lettre de motivation / projet professionnel',
  employerForm: 'Justificatif de statut salarié',
};

export function employerFormRequired(situation: SituationCode | undefined): boolean {
  return SITUATIONS.some((s) => s.code === situation && s.employerFormRequired);
}

/** A selection's own list of documents for some situations; the others keep the school's default. */
export type DocumentRequirements = Partial<Record<SituationCode, DocumentKind[]>>;

export const documentRequirementsSchema = z.partialRecord(z.enum(situationCodes), z.array(z.enum(DOCUMENT_KINDS)).min(1).max(DOCUMENT_KINDS.length));

/** The documents a candidate must upload for a situation (the selection's list, else the school's default). */
export function requiredDocuments(situation: SituationCode | undefined, requirements?: DocumentRequirements): DocumentKind[] {
  const own = situation ? requirements?.[situation] : undefined;
  if (own) return DOCUMENT_KINDS.filter((kind) => own.includes(kind));
  return employerFormRequired(situation) ? ['cv', 'identity', 'motivation', 'employerForm'] : ['cv', 'identity', 'motivation'];
}

/** An uploaded file as the dossier records it; the bytes live in GridFS. */
export const fileRefSchema = z.object({
  fileId: z.string().regex(/^[a-f0-9]{24}$/),
  filename: z.string().max(255),
  contentType: z.enum(['application/pdf', 'image/jpeg', 'image/png']),
  size: z.number().int().nonnegative(),
  uploadedAt: z.string(),
});
export type FileRef = z.infer<typeof fileRefSchema>;

// A plain pattern rather than z.iso.date(): inside the workflow bundle that check refused valid dates.
const isoDate = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'date invalide (AAAA-MM-JJ)')
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value), 'date invalide (AAAA-MM-JJ)');
const text = (label: string, max = 200) => z.string().trim().min(1, `${label} obligatoire`).max(max, `${label} trop long`);

/** Today's date, "AAAA-MM-JJ", in UTC (in a workflow, the workflow's own clock). */
const today = () => new Date(Date.now()).toISOString().slice(0, 10);
/** The date `years` years before today, "AAAA-MM-JJ". */
const yearsAgo = (years: number) => {
  const now = new Date(Date.now());
  return `${String(now.getUTCFullYear() - years).padStart(4, '0')}${now.toISOString().slice(4, 10)}`;
};

/** A candidate is at least this old, and at most that (a birth date outside is a typing error). */
export const CANDIDATE_AGE = { min: 16, max: 99 } as const;

/** The fields of "État civil" as stored; `civilStatusSchema` adds the rules tied to today's date. */
export const civilStatusShape = z.object({
  civility: z.enum(['madame', 'monsieur'], 'choisissez « madame » ou « monsieur »'),
  lastName: text('nom', 100),
  usedLastName: z.string().trim().max(100).optional(),
  firstNames: text('prénoms', 200),
  birthDate: isoDate,
  birthPlace: text('lieu de naissance'),
  birthCountry: text('pays de naissance', 100),
  nationality: text('nationalité', 100),
  address: z.object({
    line1: text('adresse'),
    line2: z.string().trim().max(200).optional(),
    postalCode: z.string().trim().regex(/^[0-9A-Za-z -]{3,10}$/, 'code postal invalide'),
    city: text('ville', 100),
    country: text('pays', 100),
  }),
  phone: z.string().trim().regex(/^\+?[0-9 .()-]{6,20}$/, 'numéro de téléphone invalide'),
});
// The rules tied to today's date sit on their field: they are told even when other fields are wrong too.
export const civilStatusSchema = civilStatusShape.extend({
  birthDate: isoDate.refine(
    (birthDate) => birthDate <= yearsAgo(CANDIDATE_AGE.min) && birthDate > yearsAgo(CANDIDATE_AGE.max + 1),
    `date de naissance invalide : un candidat a entre ${CANDIDATE_AGE.min} et ${CANDIDATE_AGE.max} ans`,
  ),
});
export type CivilStatus = z.infer<typeof civilStatusShape>;

export const situationSchema = z.object({
  status: z.enum(situationCodes, 'situation inconnue : choisissez-en une dans la liste'),
  /** For salaried candidates: the employer, as written on the form. */
  employer: z.string().trim().max(200).optional(),
});
export type Situation = z.infer<typeof situationSchema>;

const entryId = z.string().regex(/^[a-z0-9-]{1,40}$/, 'identifiant invalide');

/** The fields of a "Diplômes" entry as stored; `diplomaFieldsSchema` adds the rules that tie them. */
export const diplomaShape = z.object({
  /** "Ne possède pas de diplôme": the entry holds the page saying so, and nothing else. */
  noDiploma: z.boolean().optional(),
  title: z.string().trim().max(200).optional(),
  level: z.string().trim().max(100).optional(),
  institution: z.string().trim().max(200).optional(),
  year: z.number().int().min(1950).max(2100).optional(),
});
/** One "Diplômes" entry; a candidate without a diploma adds one with `noDiploma` and the page saying so. */
export const diplomaFieldsSchema = diplomaShape
  .refine((d) => d.noDiploma || Boolean(d.title), { message: 'intitulé du diplôme obligatoire', path: ['title'] })
  .refine((d) => !d.noDiploma || (!d.title && !d.level && !d.institution && d.year === undefined), {
    message: '« Ne possède pas de diplôme » : laissez l’intitulé, le niveau, l’établissement et l’année vides',
    path: ['noDiploma'],
  })
  .refine((d) => d.year === undefined || d.year <= new Date(Date.now()).getUTCFullYear() + 1, {
    message: 'année invalide : au plus l’année prochaine (diplôme en cours)',
    path: ['year'],
  });
export type DiplomaFields = z.infer<typeof diplomaShape>;
export const diplomaEntrySchema = diplomaShape.extend({ id: z.string(), document: fileRefSchema.optional() }).meta({ id: 'DiplomaEntry' });
export type DiplomaEntry = z.infer<typeof diplomaEntrySchema>;

/** The fields of an experience entry as stored; `experienceFieldsSchema` adds the rules that tie them. */
export const experienceShape = z.object({
  employer: text('employeur'),
  position: text('poste'),
  startDate: isoDate,
  endDate: isoDate.optional(),
  description: z.string().trim().max(2000).optional(),
});
export const experienceFieldsSchema = experienceShape
  .extend({
    startDate: isoDate.refine((date) => date <= today(), 'la date de début ne peut pas être dans le futur'),
    endDate: isoDate.refine((date) => date <= today(), 'la date de fin ne peut pas être dans le futur (laissez-la vide pour un emploi en cours)').optional(),
  })
  .refine((e) => !e.endDate || e.endDate >= e.startDate, { message: 'la date de fin précède la date de début', path: ['endDate'] });
export type ExperienceFields = z.infer<typeof experienceShape>;
export const experienceEntrySchema = experienceShape.extend({ id: z.string(), proof: fileRefSchema.optional() }).meta({ id: 'ExperienceEntry' });
export type ExperienceEntry = z.infer<typeof experienceEntrySchema>;

export const entryIdSchema = entryId;

/** What the completeness rules look at. */
export interface DossierContent {
  /** The selection's documents per situation, as they were when the dossier opened. */
  documentRequirements?: DocumentRequirements | undefined;
  civilStatus?: CivilStatus | undefined;
  situation?: Situation | undefined;
  documents: Partial<Record<DocumentKind, FileRef>>;
  diplomas: DiplomaEntry[];
  experiences: ExperienceEntry[];
}

/** The dossier's steps, in the guide's order, with the names the guide gives them. */
export const STEPS = [
  { step: 'civilStatus', label: 'État civil' },
  { step: 'situation', label: 'Situation actuelle' },
  { step: 'documents', label: 'Pièces obligatoires' },
  { step: 'diplomas', label: 'Diplômes' },
  { step: 'experiences', label: 'Expériences professionnelles' },
] as const;
export type Step = (typeof STEPS)[number]['step'];

/** One thing that keeps a dossier from being declared complete, and where it is fixed. */
export interface MissingItem {
  /** Stable, for programs: "civilStatus", "documents.cv", "diplomas.document"… */
  code: string;
  /** French, for people. */
  label: string;
  /** The step whose screen fixes it. */
  step: Step;
  /** The diploma or experience entry concerned, if any. */
  entryId?: string;
  /** The document to upload, for the "documents" step. */
  document?: DocumentKind;
}

/** The documents this dossier asks for, from its own snapshot of the selection's list. */
export function dossierRequiredDocuments(content: Pick<DossierContent, 'situation' | 'documentRequirements'>): DocumentKind[] {
  return requiredDocuments(content.situation?.status, content.documentRequirements);
}

const diplomaName = (diploma: DiplomaFields) => (diploma.noDiploma ? 'Ne possède pas de diplôme' : diploma.title);
const experienceName = (experience: ExperienceFields) => `${experience.position} — ${experience.employer}`;

/** Everything that keeps a dossier from being declared complete (product.md, "Rules"). */
export function missingItems(content: DossierContent): MissingItem[] {
  const missing: MissingItem[] = [];
  if (!content.civilStatus) missing.push({ code: 'civilStatus', label: 'État civil à compléter', step: 'civilStatus' });
  if (!content.situation) missing.push({ code: 'situation', label: 'Situation actuelle à renseigner', step: 'situation' });
  for (const kind of dossierRequiredDocuments(content)) {
    if (!content.documents[kind]) missing.push({ code: `documents.${kind}`, label: `${DOCUMENT_LABELS[kind]} à téléverser`, step: 'documents', document: kind });
  }
  if (content.diplomas.length === 0) {
    missing.push({ code: 'diplomas', label: 'Au moins un diplôme (ou la page « Ne possède pas de diplôme ») à renseigner', step: 'diplomas' });
  }
  for (const diploma of content.diplomas) {
    if (!diploma.document) {
      missing.push({ code: 'diplomas.document', label: `Justificatif du diplôme « ${diplomaName(diploma)} » à téléverser`, step: 'diplomas', entryId: diploma.id });
    }
  }
  for (const experience of content.experiences) {
    if (!experience.proof) {
      missing.push({ code: 'experiences.proof', label: `Justificatif de l'expérience « ${experienceName(experience)} » à téléverser`, step: 'experiences', entryId: experience.id });
    }
  }
  return missing;
}

/** Where each step stands, for the side list of steps and "Mes inscriptions". */
export interface StepProgress {
  step: Step;
  label: string;
  /** Nothing of this step is missing, and something was entered. */
  done: boolean;
  /** The step must be done before "complet"; experiences are optional. */
  required: boolean;
}

export function stepProgress(content: DossierContent): StepProgress[] {
  const missingSteps = new Set(missingItems(content).map((item) => item.step));
  const entered: Record<Step, boolean> = {
    civilStatus: Boolean(content.civilStatus),
    situation: Boolean(content.situation),
    documents: Boolean(content.situation),
    diplomas: content.diplomas.length > 0,
    experiences: content.experiences.length > 0,
  };
  return STEPS.map(({ step, label }) => ({ step, label, done: entered[step] && !missingSteps.has(step), required: step !== 'experiences' }));
}

/**
 * "Ne possède pas de diplôme" stands alone: it is the only diploma entry, and
 * a real diploma cannot join it. A refusal message, or undefined.
 */
export function diplomaConflict(diplomas: readonly DiplomaEntry[], entryId: string | undefined, fields: DiplomaFields): string | undefined {
  const others = diplomas.filter((diploma) => diploma.id !== entryId);
  if (fields.noDiploma && others.length > 0) {
    return '« Ne possède pas de diplôme » ne peut pas côtoyer d’autres diplômes : supprimez d’abord les diplômes déjà saisis.';
  }
  if (!fields.noDiploma && others.some((diploma) => diploma.noDiploma)) {
    return 'Vous avez indiqué ne posséder aucun diplôme : supprimez d’abord l’entrée « Ne possède pas de diplôme » pour ajouter un diplôme.';
  }
  return undefined;
}

/** Every file a dossier refers to. */
export function filesOf(content: DossierContent): FileRef[] {
  return [
    ...Object.values(content.documents),
    ...content.diplomas.map((d) => d.document),
    ...content.experiences.map((e) => e.proof),
  ].filter((file): file is FileRef => Boolean(file));
}

/** A file of the dossier, named as a person would (for review comments and e-mails). */
export function describeFile(content: DossierContent, fileId: string): string | undefined {
  for (const [kind, file] of Object.entries(content.documents)) {
    if (file?.fileId === fileId) return `${DOCUMENT_LABELS[kind as DocumentKind]} (${file.filename})`;
  }
  const diploma = content.diplomas.find((d) => d.document?.fileId === fileId);
  if (diploma) return `Justificatif du diplôme « ${diplomaName(diploma)} » (${diploma.document!.filename})`;
  const experience = content.experiences.find((e) => e.proof?.fileId === fileId);
  if (experience) return `Justificatif de l'expérience « ${experienceName(experience)} » (${experience.proof!.filename})`;
  return undefined;
}
