/**
 * The candidate's steps, in the guide's order: each an Update whose validator
 * checks the rules (life cycle, the step's schema, the entry exists) before
 * anything is recorded, and whose handler records the change.
 *
 * Workflow code: deterministic, no Node API.
 */
import { setHandler, uuid4 } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import {
  civilStatusSchema,
  civilStatusShape,
  diplomaConflict,
  diplomaShape,
  diplomaFieldsSchema,
  type DocumentKind,
  dossierRequiredDocuments,
  experienceFieldsSchema,
  experienceShape,
  type FileRef,
  MAX_DIPLOMAS,
  MAX_EXPERIENCES,
  missingItems,
  situationSchema,
} from '../../domain/dossier.js';
import { effectiveDeadline } from '../../domain/dossier-lifecycle.js';
import { issuesToDetails } from '../../domain/validation.js';
import {
  attachFileUpdate,
  declareCompleteUpdate,
  declareIncompleteUpdate,
  type DossierReceipt,
  type FileTarget,
  removeDiplomaUpdate,
  removeExperienceUpdate,
  saveCivilStatusUpdate,
  saveDiplomaUpdate,
  saveExperienceUpdate,
  saveSituationUpdate,
  withdrawUpdate,
} from './contract.js';
import { type DossierRun, refuse } from './run.js';

type StepSchema<T> = { safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: Parameters<typeof issuesToDetails>[0] } } };

/** Runs a zod schema in a validator: a bad step is refused before it reaches history. */
function parseStep<T>(schema: StepSchema<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) refuse({ code: 'VALIDATION_FAILED', message: 'Les informations saisies sont invalides.' }, issuesToDetails(result.error.issues, 'body'));
  return result.data;
}

const entryNotFound = { code: 'ENTRY_NOT_FOUND', message: "Cette entrée n'existe pas dans le dossier." } as const;

export function registerCandidateSteps(run: DossierRun): void {
  const { dossier } = run;

  setHandler(saveCivilStatusUpdate, async (civilStatus) => {
    // The rules ran in the validator; the handler (also run on replay) only normalises with the shape.
    dossier.civilStatus = civilStatusShape.parse(civilStatus);
    return run.commit({ action: 'civilStatus.saved' });
  }, {
    validator: (civilStatus) => {
      run.assertAllowed('edit');
      parseStep(civilStatusSchema, civilStatus);
    },
  });

  setHandler(saveSituationUpdate, async (situation) => {
    dossier.situation = situationSchema.parse(situation);
    // A document the new situation does not call for (the employer form, say) goes, with its file.
    const needed = dossierRequiredDocuments(dossier);
    const dropped = Object.keys(dossier.documents)
      .filter((kind) => !needed.includes(kind as DocumentKind))
      .map((kind) => {
        const file = dossier.documents[kind as DocumentKind];
        delete dossier.documents[kind as DocumentKind];
        return file;
      });
    return run.commit({ action: 'situation.saved', removedFiles: dropped, detail: dossier.situation.status });
  }, {
    validator: (situation) => {
      run.assertAllowed('edit');
      parseStep(situationSchema, situation);
    },
  });

  registerEntrySteps(run, {
    list: 'diplomas', entry: 'diploma', file: 'document', max: MAX_DIPLOMAS, label: 'diplômes', schema: diplomaFieldsSchema, shape: diplomaShape, save: saveDiplomaUpdate, remove: removeDiplomaUpdate,
    conflict: (entryId, fields) => diplomaConflict(dossier.diplomas, entryId, fields),
  });
  registerEntrySteps(run, {
    list: 'experiences', entry: 'experience', file: 'proof', max: MAX_EXPERIENCES, label: 'expériences', schema: experienceFieldsSchema, shape: experienceShape, save: saveExperienceUpdate, remove: removeExperienceUpdate,
  });

  setHandler(attachFileUpdate, async ({ target, file }) => {
    let replaced: FileRef | undefined;
    if (target.kind === 'document') {
      replaced = dossier.documents[target.document];
      dossier.documents[target.document] = file;
    } else {
      const entry = findEntry(target)!;
      replaced = target.kind === 'diploma' ? entry.document : entry.proof;
      if (target.kind === 'diploma') entry.document = file;
      else entry.proof = file;
    }
    const where = target.kind === 'document' ? target.document : `${target.kind}:${target.entryId}`;
    return run.commit({ action: 'file.attached', removedFiles: [replaced], detail: `${where} — ${file.filename}` });
  }, {
    validator: ({ target }) => {
      run.assertAllowed('edit');
      if (target.kind === 'document' && !dossierRequiredDocuments(dossier).includes(target.document)) {
        refuse({
          code: 'VALIDATION_FAILED',
          message:
            target.document === 'employerForm'
              ? "Le justificatif de statut salarié ne concerne que les candidats salariés : indiquez d'abord votre situation."
              : "Cette pièce n'est pas demandée pour votre situation.",
        });
      }
      if (target.kind !== 'document' && !findEntry(target)) refuse(entryNotFound);
    },
  });

  setHandler(declareCompleteUpdate, () =>
    run.transition({
      lifecycle: 'declareComplete',
      action: 'declared.complete',
      change: (d) => (d.submittedAt = new Date().toISOString()),
      email: (d) => ({ purpose: `submitted:${d.revision}`, template: { kind: 'dossierSubmitted', trainingTitle: d.trainingTitle } }),
    }), {
    validator: ({ emailVerified }) => {
      run.assertAllowed('declareComplete');
      const missing = missingItems(dossier);
      if (missing.length > 0) {
        refuse(
          { code: 'DOSSIER_INCOMPLETE', message: 'Le dossier ne peut pas être déclaré complet : des éléments manquent.' },
          missing.map((item) => ({ code: 'MISSING_ITEM', message: item.label, field: item.code, step: item.step, ...(item.entryId ? { entryId: item.entryId } : {}) })),
        );
      }
      if (!emailVerified) {
        refuse({
          code: 'EMAIL_NOT_VERIFIED',
          message: 'Confirmez d’abord votre adresse e-mail (lien reçu à la création du compte) : le service sélection vous écrira à cette adresse.',
        });
      }
    },
  });

  setHandler(declareIncompleteUpdate, () =>
    run.transition({
      lifecycle: 'declareIncomplete',
      action: 'declared.incomplete',
      change: (d) => (d.declaredIncompleteAt = new Date().toISOString()),
      // Once per closing date, however often the candidate says "later".
      email: (d) => ({
        purpose: `incomplete:${effectiveDeadline(d)}`,
        template: { kind: 'dossierIncomplete', trainingTitle: d.trainingTitle, closesAt: effectiveDeadline(d), missing: missingItems(d).map((item) => item.label) },
      }),
    }), { validator: () => run.assertAllowed('declareIncomplete') });

  setHandler(withdrawUpdate, () =>
    run.transition({
      lifecycle: 'withdraw',
      action: 'withdrawn',
      change: (d) => (d.endedAt = new Date().toISOString()),
      email: (d) => ({ purpose: 'withdrawn', template: { kind: 'dossierWithdrawn', trainingTitle: d.trainingTitle } }),
    }), { validator: () => run.assertAllowed('withdraw') });

  function findEntry(target: Exclude<FileTarget, { kind: 'document' }>): { document?: FileRef; proof?: FileRef } | undefined {
    return target.kind === 'diploma' ? dossier.diplomas.find((d) => d.id === target.entryId) : dossier.experiences.find((e) => e.id === target.entryId);
  }
}

/**
 * Diplomas and experiences: a list of entries, each with its fields and one
 * file ("document" or "proof"), added, edited and removed alike.
 */
function registerEntrySteps<Fields extends object>(
  run: DossierRun,
  options: {
    list: 'diplomas' | 'experiences';
    /** Audit trail name: "diploma" or "experience". */
    entry: string;
    file: 'document' | 'proof';
    max: number;
    label: string;
    /** The fields' rules, checked by the validator… */
    schema: StepSchema<Fields>;
    /** …and their shape, which the handler (also run on replay) normalises with. */
    shape: { parse(value: unknown): Fields };
    save: UpdateDefinition<DossierReceipt, [{ entryId?: string; fields: Fields }]>;
    remove: UpdateDefinition<DossierReceipt, [{ entryId: string }]>;
    /** A rule tying this entry to the others, if any: its refusal message. */
    conflict?: (entryId: string | undefined, fields: Fields) => string | undefined;
  },
): void {
  type Entry = { id: string } & Record<string, unknown>;
  const entries = (): Entry[] => run.dossier[options.list] as unknown as Entry[];
  const assertEntry = (entryId: string | undefined) => {
    if (entryId !== undefined && !entries().some((entry) => entry.id === entryId)) refuse(entryNotFound);
  };

  setHandler(options.save, async ({ entryId, fields }) => {
    const parsed = options.shape.parse(fields);
    const list = entries();
    const index = list.findIndex((entry) => entry.id === entryId);
    // An edit replaces the fields (a field left out is cleared) and keeps the uploaded file.
    const kept = index >= 0 ? list[index]![options.file] : undefined;
    if (index >= 0) list[index] = { id: entryId!, ...parsed, ...(kept ? { [options.file]: kept } : {}) };
    else list.push({ id: uuid4(), ...parsed });
    return run.commit({ action: `${options.entry}.saved` });
  }, {
    validator: ({ entryId, fields }) => {
      run.assertAllowed('edit');
      assertEntry(entryId);
      if (entryId === undefined && entries().length >= options.max) {
        refuse({ code: 'TOO_MANY_ENTRIES', message: `Un dossier compte au plus ${options.max} ${options.label}.` });
      }
      const parsed = parseStep(options.schema, fields);
      const conflict = options.conflict?.(entryId, parsed);
      if (conflict) refuse({ code: 'NO_DIPLOMA_CONFLICT', message: conflict });
    },
  });

  setHandler(options.remove, async ({ entryId }) => {
    const removed = entries().find((entry) => entry.id === entryId);
    (run.dossier[options.list] as unknown as Entry[]) = entries().filter((entry) => entry.id !== entryId);
    return run.commit({ action: `${options.entry}.removed`, removedFiles: [removed?.[options.file] as FileRef | undefined] });
  }, {
    validator: ({ entryId }) => {
      run.assertAllowed('edit');
      assertEntry(entryId);
    },
  });
}
