/**
 * The dossier's rules, in one place: what each step holds, which situations
 * exist, what "complete" means. Imported by the API (request schemas, views)
 * and by the workflow (Update validators), so it must stay deterministic and
 * free of Node APIs.
 */
import { z } from 'zod';

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

export const civilStatusSchema = z.object({
  civility: z.enum(['madame', 'monsieur'], 'civilité : « madame » ou « monsieur »'),
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
export type CivilStatus = z.infer<typeof civilStatusSchema>;

export const situationSchema = z.object({
  status: z.enum(situationCodes, 'situation inconnue : choisissez-en une dans la liste'),
  /** For salaried candidates: the employer, as written on the form. */
  employer: z.string().trim().max(200).optional(),
});
export type Situation = z.infer<typeof situationSchema>;

const entryId = z.string().regex(/^[a-z0-9-]{1,40}$/, 'identifiant invalide');

/** The fields of a "Diplômes" entry, without the rules that tie them (for answers). */
export const diplomaShape = z.object({
  noDiploma: z.boolean().default(false),
  title: z.string().trim().max(200).optional(),
  level: z.string().trim().max(100).optional(),
  institution: z.string().trim().max(200).optional(),
  year: z.number().int().min(1950).max(2100).optional(),
});
/** One "Diplômes" entry; a candidate without a diploma adds one with `noDiploma` and the page saying so. */
export const diplomaFieldsSchema = diplomaShape.refine((d) => d.noDiploma || Boolean(d.title), { message: 'intitulé du diplôme obligatoire', path: ['title'] });
export type DiplomaFields = z.infer<typeof diplomaFieldsSchema>;
export interface DiplomaEntry extends DiplomaFields {
  id: string;
  document?: FileRef;
}

/** The fields of an experience entry, without the rules that tie them (for answers). */
export const experienceShape = z.object({
  employer: z.string(),
  position: z.string(),
  startDate: z.string(),
  endDate: z.string().optional(),
  description: z.string().optional(),
});
export const experienceFieldsSchema = z
  .object({
    employer: text('employeur'),
    position: text('poste'),
    startDate: isoDate,
    endDate: isoDate.optional(),
    description: z.string().trim().max(2000).optional(),
  })
  .refine((e) => !e.endDate || e.endDate >= e.startDate, { message: 'la date de fin précède la date de début', path: ['endDate'] });
export type ExperienceFields = z.infer<typeof experienceFieldsSchema>;
export interface ExperienceEntry extends ExperienceFields {
  id: string;
  proof?: FileRef;
}

export const entryIdSchema = entryId;

/** What the completeness rules look at. */
export interface DossierContent {
  /** The selection's documents per situation, as they were when the dossier opened. */
  documentRequirements?: DocumentRequirements;
  civilStatus?: CivilStatus;
  situation?: Situation;
  documents: Partial<Record<DocumentKind, FileRef>>;
  diplomas: DiplomaEntry[];
  experiences: ExperienceEntry[];
}

export interface MissingItem {
  /** Stable, for programs. */
  code: string;
  /** French, for people. */
  label: string;
}

/** Everything that keeps a dossier from being declared complete (product.md, "Rules"). */
export function missingItems(content: DossierContent): MissingItem[] {
  const missing: MissingItem[] = [];
  if (!content.civilStatus) missing.push({ code: 'civilStatus', label: 'État civil à compléter' });
  if (!content.situation) missing.push({ code: 'situation', label: 'Situation actuelle à renseigner' });
  for (const kind of requiredDocuments(content.situation?.status, content.documentRequirements)) {
    if (!content.documents[kind]) missing.push({ code: `documents.${kind}`, label: `${DOCUMENT_LABELS[kind]} à téléverser` });
  }
  if (content.diplomas.length === 0) {
    missing.push({ code: 'diplomas', label: 'Au moins un diplôme (ou la page « Ne possède pas de diplôme ») à renseigner' });
  }
  for (const diploma of content.diplomas) {
    if (!diploma.document) {
      missing.push({ code: `diplomas.${diploma.id}.document`, label: `Justificatif du diplôme « ${diploma.noDiploma ? 'Ne possède pas de diplôme' : diploma.title} » à téléverser` });
    }
  }
  for (const experience of content.experiences) {
    if (!experience.proof) {
      missing.push({ code: `experiences.${experience.id}.proof`, label: `Justificatif de l'expérience « ${experience.position} — ${experience.employer} » à téléverser` });
    }
  }
  return missing;
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
  if (diploma) return `Justificatif du diplôme « ${diploma.noDiploma ? 'Ne possède pas de diplôme' : diploma.title} » (${diploma.document!.filename})`;
  const experience = content.experiences.find((e) => e.proof?.fileId === fileId);
  if (experience) return `Justificatif de l'expérience « ${experience.position} — ${experience.employer} » (${experience.proof!.filename})`;
  return undefined;
}

export const STEPS = ['civilStatus', 'situation', 'documents', 'diplomas', 'experiences'] as const;
export type Step = (typeof STEPS)[number];

/** Which steps are done, for "Mes inscriptions". Experiences are optional, so done once their proofs are in. */
export function stepsDone(content: DossierContent): Record<Step, boolean> {
  return {
    civilStatus: Boolean(content.civilStatus),
    situation: Boolean(content.situation),
    documents: requiredDocuments(content.situation?.status, content.documentRequirements).every((kind) => content.documents[kind]) && Boolean(content.situation),
    diplomas: content.diplomas.length > 0 && content.diplomas.every((d) => d.document),
    experiences: content.experiences.every((e) => e.proof),
  };
}
