import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { Activities } from '../../activities/index.js';
import {
  civilStatusSchema,
  describeFile,
  type DocumentKind,
  requiredDocuments,
  diplomaFieldsSchema,
  experienceFieldsSchema,
  type FileRef,
  MAX_DIPLOMAS,
  MAX_EXPERIENCES,
  missingItems,
  situationSchema,
} from '../../domain/dossier.js';
import type { EmailTemplate } from '../../mail/templates.js';
import {
  attachFileUpdate,
  declareCompleteUpdate,
  declareIncompleteUpdate,
  type DossierRefusal,
  type DossierState,
  type DossierStatus,
  type DossierWorkflowInput,
  enrolUpdate,
  extendDeadlineSignal,
  FINAL_STATUSES,
  type FileTarget,
  getDossierQuery,
  lockedMessage,
  removeDiplomaUpdate,
  removeExperienceUpdate,
  saveCivilStatusUpdate,
  saveDiplomaUpdate,
  saveExperienceUpdate,
  saveSituationUpdate,
  searchAttributes,
  withdrawUpdate,
  type Actor,
  effectiveDeadline,
  extendCandidateDeadlineUpdate,
  OPEN_STATUSES,
  rejectUpdate,
  requestChangesUpdate,
  reviewDocumentUpdate,
  validateUpdate,
} from './contract.js';

const storeRetry = { initialInterval: '1 second', maximumInterval: '1 minute' };
const {
  storeDossier: storeDossierAsTask,
  deleteFiles,
  readSelectionClosesAt: readSelectionClosesAtAsTask,
} = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: storeRetry,
});
// Storing the dossier and reading the closing date are short database calls:
// run as local activities, in the workflow task that asked for them, they spare
// the Temporal server an activity task and a second workflow task each
// (docs/BENCHMARKS.md: closing rush and deadline storm).
const { storeDossier: storeDossierLocally, readSelectionClosesAt: readSelectionClosesAtLocally } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: storeRetry,
});
/** Dossiers opened before these calls became local go on with the activity tasks their histories hold. */
const databaseCallsAreLocal = () => patched('local-database-activities');
const storeDossier = (dossier: DossierState) => (databaseCallsAreLocal() ? storeDossierLocally(dossier) : storeDossierAsTask(dossier));
const readSelectionClosesAt = (selectionId: string) => (databaseCallsAreLocal() ? readSelectionClosesAtLocally(selectionId) : readSelectionClosesAtAsTask(selectionId));

// E-mails wait out an SMTP outage (retried for up to a week); a message the
// relay refuses outright fails at once (non-retryable).
const { sendEmail } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '7 days',
  retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes' },
});

const DAY_MS = 24 * 3600 * 1000;

function refuse(type: DossierRefusal, message: string, details?: unknown): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true, ...(details === undefined ? {} : { details: [details] }) });
}

/** Runs a zod schema in a validator: a bad step is refused before it reaches history. */
function parseStep<T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    refuse(
      'INVALID_STEP',
      'Les informations saisies sont invalides.',
      result.error.issues.map((issue) => ({ field: issue.path.map(String).join('.'), message: issue.message })),
    );
  }
  return result.data;
}

/**
 * One candidate's dossier for one selection, from "+ S'inscrire" to its end:
 * steps saved one by one until the closing date, reminders before it, the
 * declaration, and expiry for a dossier not declared complete in time.
 */
export async function dossierWorkflow(input: DossierWorkflowInput): Promise<DossierState> {
  const dossier: DossierState =
    'continued' in input
      ? input.continued
      : {
          dossierId: workflowInfo().workflowId,
          ...input.opening,
          status: 'DRAFT',
          openedAt: new Date(workflowInfo().startTime).toISOString(),
          remindersSent: [],
          documents: {},
          diplomas: [],
          experiences: [],
          history: [],
          revision: 0,
        };
  dossier.history ??= [];

  // Wakes the main loop when a handler changed something it waits on.
  let changed = false;
  // Activities that store the dossier run one after the other, in revision order.
  let storing: Promise<void> = Promise.resolve();
  let pendingStores = 0;
  let stored = 'continued' in input;
  // E-mails in flight: an SMTP outage delays them, never the dossier's own work.
  let pendingEmails = 0;

  function persist(): Promise<void> {
    dossier.revision += 1;
    const snapshot: DossierState = JSON.parse(JSON.stringify(dossier));
    pendingStores += 1;
    storing = storing.then(() => storeDossier(snapshot)).finally(() => (pendingStores -= 1));
    return storing;
  }

  const CANDIDATE: Actor = { type: 'candidate', id: dossier.candidate.id, name: `${dossier.candidate.firstName} ${dossier.candidate.lastName}` };
  const SYSTEM: Actor = { type: 'system' };

  /** Adds a line to the audit trail; stored with the change it describes. */
  function audit(actor: Actor, action: string, detail?: string): void {
    dossier.history.push({ at: new Date().toISOString(), actor, action, ...(detail === undefined ? {} : { detail }) });
  }

  /** Sends without waiting: the e-mail may wait out an SMTP outage for days. */
  function notify(purpose: string, template: EmailTemplate): void {
    pendingEmails += 1;
    sendEmail({ idempotencyKey: `${dossier.dossierId}:${purpose}`, to: dossier.candidate.email, template })
      .then(({ sent }) => {
        if (!sent) return;
        audit(SYSTEM, 'email.sent', template.kind);
        return persist();
      })
      .catch((error) => {
        // A refused address must not end the dossier; the failure stays visible in the history.
        log.warn('e-mail not delivered', { purpose, error: String(error) });
      })
      .finally(() => (pendingEmails -= 1));
  }

  /** Before this run ends (completion or continue-as-new): no Update, store or e-mail left half done. */
  const settled = () => allHandlersFinished() && pendingStores === 0 && pendingEmails === 0;

  function moveTo(status: DossierStatus): void {
    dossier.status = status;
    upsertSearchAttributes([{ key: searchAttributes.status, value: status }]);
    changed = true;
  }

  // ---- Validators: the rules a step must pass, checked before anything is recorded.

  function assertEditable(): void {
    if (!OPEN_STATUSES.includes(dossier.status)) {
      refuse('DOSSIER_LOCKED', lockedMessage(dossier.status));
    }
    if (Date.now() >= Date.parse(effectiveDeadline(dossier))) {
      refuse('REGISTRATION_CLOSED', 'Les inscriptions à cette sélection sont closes : le dossier ne peut plus être modifié.');
    }
  }

  function findEntry(target: FileTarget): { document?: FileRef; proof?: FileRef } | undefined {
    if (target.kind === 'diploma') return dossier.diplomas.find((d) => d.id === target.entryId);
    if (target.kind === 'experience') return dossier.experiences.find((e) => e.id === target.entryId);
    return undefined;
  }

  function assertEntry(list: { id: string }[], entryId: string | undefined): void {
    if (entryId !== undefined && !list.some((entry) => entry.id === entryId)) {
      refuse('ENTRY_NOT_FOUND', "Cette entrée n'existe pas dans le dossier.");
    }
  }

  /** Records a change: stored before the Update returns, so the API reads its own write. */
  async function commit(action: string, removedFiles: (FileRef | undefined)[] = [], actor: Actor = CANDIDATE, detail?: string): Promise<DossierState> {
    audit(actor, action, detail);
    // Wakes the main loop, which looks at the history's size after every change.
    changed = true;
    await persist();
    const fileIds = removedFiles.filter((file): file is FileRef => Boolean(file)).map((file) => file.fileId);
    // A replaced or removed upload is deleted, not orphaned; after the store, so the record never points at a deleted file.
    if (fileIds.length > 0) await deleteFiles(fileIds);
    return dossier;
  }

  setHandler(getDossierQuery, () => dossier);

  setHandler(
    enrolUpdate,
    async () => {
      await condition(() => stored);
      return dossier;
    },
  );

  setHandler(
    saveCivilStatusUpdate,
    async (civilStatus) => {
      dossier.civilStatus = civilStatusSchema.parse(civilStatus);
      return commit('civilStatus.saved');
    },
    {
      validator: (civilStatus) => {
        assertEditable();
        parseStep(civilStatusSchema, civilStatus);
      },
    },
  );

  setHandler(
    saveSituationUpdate,
    async (situation) => {
      dossier.situation = situationSchema.parse(situation);
      // A document the new situation does not call for (the employer form, say) goes, with its file.
      const needed = requiredDocuments(dossier.situation.status, dossier.documentRequirements);
      const dropped = Object.keys(dossier.documents)
        .filter((kind) => !needed.includes(kind as DocumentKind))
        .map((kind) => {
          const file = dossier.documents[kind as DocumentKind];
          delete dossier.documents[kind as DocumentKind];
          return file;
        });
      return commit('situation.saved', dropped, CANDIDATE, dossier.situation.status);
    },
    {
      validator: (situation) => {
        assertEditable();
        parseStep(situationSchema, situation);
      },
    },
  );

  /**
   * Diplomas and experiences: a list of entries, each with its fields and one
   * file ("document" or "proof"), added, edited and removed alike.
   */
  function registerEntryHandlers<Fields extends object>(options: {
    list: 'diplomas' | 'experiences';
    /** Audit trail name: "diploma" or "experience". */
    entry: string;
    file: 'document' | 'proof';
    max: number;
    label: string;
    schema: { parse(value: unknown): Fields; safeParse: Parameters<typeof parseStep>[0]['safeParse'] };
    save: UpdateDefinition<DossierState, [{ entryId?: string; fields: Fields }]>;
    remove: UpdateDefinition<DossierState, [{ entryId: string }]>;
  }): void {
    type Entry = { id: string } & Record<string, unknown>;
    const entries = (): Entry[] => dossier[options.list] as unknown as Entry[];

    setHandler(
      options.save,
      async ({ entryId, fields }) => {
        const parsed = options.schema.parse(fields);
        const list = entries();
        const index = list.findIndex((entry) => entry.id === entryId);
        // An edit replaces the fields (a field left out is cleared) and keeps the uploaded file.
        const kept = index >= 0 ? list[index]![options.file] : undefined;
        if (index >= 0) list[index] = { id: entryId!, ...parsed, ...(kept ? { [options.file]: kept } : {}) };
        else list.push({ id: uuid4(), ...parsed });
        return commit(`${options.entry}.saved`);
      },
      {
        validator: ({ entryId, fields }) => {
          assertEditable();
          assertEntry(entries(), entryId);
          if (entryId === undefined && entries().length >= options.max) {
            refuse('TOO_MANY_ENTRIES', `Un dossier compte au plus ${options.max} ${options.label}.`);
          }
          parseStep(options.schema, fields);
        },
      },
    );

    setHandler(
      options.remove,
      async ({ entryId }) => {
        const removed = entries().find((entry) => entry.id === entryId);
        (dossier[options.list] as unknown as Entry[]) = entries().filter((entry) => entry.id !== entryId);
        return commit(`${options.entry}.removed`, [removed?.[options.file] as FileRef | undefined]);
      },
      {
        validator: ({ entryId }) => {
          assertEditable();
          assertEntry(entries(), entryId);
        },
      },
    );
  }

  registerEntryHandlers({ list: 'diplomas', entry: 'diploma', file: 'document', max: MAX_DIPLOMAS, label: 'diplômes', schema: diplomaFieldsSchema, save: saveDiplomaUpdate, remove: removeDiplomaUpdate });
  registerEntryHandlers({ list: 'experiences', entry: 'experience', file: 'proof', max: MAX_EXPERIENCES, label: 'expériences', schema: experienceFieldsSchema, save: saveExperienceUpdate, remove: removeExperienceUpdate });

  setHandler(
    attachFileUpdate,
    async ({ target, file }) => {
      let replaced: FileRef | undefined;
      if (target.kind === 'document') {
        replaced = dossier.documents[target.document];
        dossier.documents[target.document] = file;
      } else if (target.kind === 'diploma') {
        const entry = dossier.diplomas.find((d) => d.id === target.entryId)!;
        replaced = entry.document;
        entry.document = file;
      } else {
        const entry = dossier.experiences.find((e) => e.id === target.entryId)!;
        replaced = entry.proof;
        entry.proof = file;
      }
      const where = target.kind === 'document' ? target.document : `${target.kind}:${target.entryId}`;
      return commit('file.attached', [replaced], CANDIDATE, `${where} — ${file.filename}`);
    },
    {
      validator: ({ target }) => {
        assertEditable();
        if (target.kind === 'document' && !requiredDocuments(dossier.situation?.status, dossier.documentRequirements).includes(target.document)) {
          refuse(
            'INVALID_STEP',
            target.document === 'employerForm'
              ? "Le justificatif de statut salarié ne concerne que les candidats salariés : indiquez d'abord votre situation."
              : "Cette pièce n'est pas demandée pour votre situation.",
          );
        }
        if (target.kind !== 'document' && !findEntry(target)) refuse('ENTRY_NOT_FOUND', "Cette entrée n'existe pas dans le dossier.");
      },
    },
  );

  setHandler(
    declareCompleteUpdate,
    async () => {
      moveTo('SUBMITTED');
      dossier.submittedAt = new Date().toISOString();
      await commit('declared.complete');
      notify(`submitted:${dossier.revision}`, { kind: 'dossierSubmitted', trainingTitle: dossier.trainingTitle });
      return dossier;
    },
    {
      validator: ({ emailVerified }) => {
        assertEditable();
        const missing = missingItems(dossier);
        if (missing.length > 0) {
          refuse('DOSSIER_INCOMPLETE', 'Le dossier ne peut pas être déclaré complet : des éléments manquent.', missing);
        }
        if (!emailVerified) {
          refuse('EMAIL_NOT_VERIFIED', 'Confirmez d’abord votre adresse e-mail (lien reçu à la création du compte) : le service sélection vous écrira à cette adresse.');
        }
      },
    },
  );

  setHandler(
    declareIncompleteUpdate,
    async () => {
      dossier.declaredIncompleteAt = new Date().toISOString();
      await commit('declared.incomplete');
      // Once per closing date, however often the candidate says "later".
      notify(`incomplete:${effectiveDeadline(dossier)}`, {
        kind: 'dossierIncomplete',
        trainingTitle: dossier.trainingTitle,
        closesAt: effectiveDeadline(dossier),
        missing: missingItems(dossier).map((item) => item.label),
      });
      return dossier;
    },
    { validator: () => assertEditable() },
  );

  setHandler(
    withdrawUpdate,
    async () => {
      moveTo('WITHDRAWN');
      dossier.endedAt = new Date().toISOString();
      await commit('withdrawn');
      notify('withdrawn', { kind: 'dossierWithdrawn', trainingTitle: dossier.trainingTitle });
      return dossier;
    },
    { validator: () => assertEditable() },
  );

  setHandler(extendDeadlineSignal, ({ closesAt }) => {
    // Only later dates, and only for dossiers still waiting on the deadline.
    if (FINAL_STATUSES.includes(dossier.status) || !(Date.parse(closesAt) > Date.parse(dossier.closesAt))) return;
    dossier.closesAt = closesAt;
    audit(SYSTEM, 'deadline.selectionExtended', closesAt);
    changed = true;
    void persist();
  });

  // ---- The selection office's decisions on a dossier declared complete.

  function assertSubmitted(): void {
    if (dossier.status !== 'SUBMITTED') {
      refuse('ILLEGAL_TRANSITION', `Cette décision ne s'applique qu'à un dossier déclaré complet (statut actuel : ${dossier.status}).`);
    }
  }

  setHandler(
    reviewDocumentUpdate,
    async ({ by, fileId, verdict, comment }) => {
      dossier.reviews ??= {};
      dossier.reviews[fileId] = { verdict, by, at: new Date().toISOString(), ...(comment ? { comment } : {}) };
      return commit(`document.${verdict}`, [], by, [describeFile(dossier, fileId), comment].filter(Boolean).join(' — '));
    },
    {
      validator: ({ fileId, verdict, comment }) => {
        assertSubmitted();
        if (!describeFile(dossier, fileId)) refuse('ENTRY_NOT_FOUND', "Ce fichier n'appartient pas à ce dossier.");
        if (verdict === 'refused' && !comment?.trim()) {
          refuse('INVALID_STEP', 'Expliquez pourquoi la pièce est refusée.', [{ field: 'comment', message: 'commentaire obligatoire' }]);
        }
      },
    },
  );

  setHandler(
    validateUpdate,
    async ({ by, paymentTerms }) => {
      moveTo('VALIDATED');
      dossier.decision = { outcome: 'VALIDATED', at: new Date().toISOString(), by };
      dossier.endedAt = dossier.decision.at;
      await commit('decision.validated', [], by);
      notify('validated', { kind: 'dossierValidated', trainingTitle: dossier.trainingTitle, paymentTerms });
      return dossier;
    },
    { validator: (_input) => assertSubmitted() },
  );

  setHandler(
    rejectUpdate,
    async ({ by, reason }) => {
      moveTo('REJECTED');
      dossier.decision = { outcome: 'REJECTED', at: new Date().toISOString(), by, reason };
      dossier.endedAt = dossier.decision.at;
      await commit('decision.rejected', [], by, reason);
      notify('rejected', { kind: 'dossierRejected', trainingTitle: dossier.trainingTitle, reason });
      return dossier;
    },
    {
      validator: ({ reason }) => {
        assertSubmitted();
        if (!reason?.trim()) refuse('INVALID_STEP', 'Indiquez le motif du refus.', [{ field: 'reason', message: 'motif obligatoire' }]);
      },
    },
  );

  setHandler(
    requestChangesUpdate,
    async ({ by, comment, items, respondBy }) => {
      moveTo('CHANGES_REQUESTED');
      const at = new Date().toISOString();
      // The documents refused in review are part of what must change.
      const refused = Object.entries(dossier.reviews ?? {})
        .filter(([fileId, review]) => review.verdict === 'refused' && describeFile(dossier, fileId))
        .map(([fileId, review]) => `${describeFile(dossier, fileId)}${review.comment ? ` : ${review.comment}` : ''}`);
      items = [...items, ...refused.filter((item) => !items.includes(item))];
      dossier.changesRequested = { comment, items, at };
      // A response date only ever moves the candidate's deadline later.
      if (respondBy && Date.parse(respondBy) > Date.parse(effectiveDeadline(dossier))) dossier.deadline = respondBy;
      await commit('decision.changesRequested', [], by, comment);
      notify(`changes:${dossier.revision}`, {
        kind: 'dossierChangesRequested',
        trainingTitle: dossier.trainingTitle,
        comment,
        items,
        respondBy: effectiveDeadline(dossier),
      });
      return dossier;
    },
    {
      validator: ({ comment, respondBy }) => {
        assertSubmitted();
        if (!comment?.trim()) refuse('INVALID_STEP', 'Expliquez au candidat ce qu’il doit modifier.', [{ field: 'comment', message: 'commentaire obligatoire' }]);
        const current = effectiveDeadline(dossier);
        const until = respondBy && Date.parse(respondBy) > Date.parse(current) ? respondBy : current;
        if (!(Date.parse(until) > Date.now())) {
          refuse('INVALID_STEP', 'La date de clôture est passée : fixez une date de réponse à venir pour laisser au candidat le temps de modifier son dossier.', [
            { field: 'respondBy', message: 'date à venir obligatoire' },
          ]);
        }
      },
    },
  );

  setHandler(
    extendCandidateDeadlineUpdate,
    async ({ by, deadline }) => {
      dossier.deadline = deadline;
      changed = true;
      return commit('deadline.candidateExtended', [], by, deadline);
    },
    {
      validator: ({ deadline }) => {
        if (FINAL_STATUSES.includes(dossier.status)) refuse('ILLEGAL_TRANSITION', lockedMessage(dossier.status));
        if (!(Date.parse(deadline) > Date.parse(effectiveDeadline(dossier)))) {
          refuse('INVALID_STEP', 'La nouvelle date limite doit être postérieure à la date actuelle du dossier.', [{ field: 'deadline', message: 'date postérieure attendue' }]);
        }
      },
    },
  );

  // ---- The life cycle.

  if (!('continued' in input)) {
    upsertSearchAttributes([
      { key: searchAttributes.status, value: dossier.status },
      { key: searchAttributes.selection, value: dossier.selectionId },
      { key: searchAttributes.candidate, value: dossier.candidate.id },
    ]);
    audit(CANDIDATE, 'opened');
    await persist();
    stored = true;
    notify('opened', { kind: 'dossierOpened', trainingTitle: dossier.trainingTitle, closesAt: dossier.closesAt });
  }

  while (!FINAL_STATUSES.includes(dossier.status)) {
    if (OPEN_STATUSES.includes(dossier.status)) {
      const closesAt = Date.parse(effectiveDeadline(dossier));
      if (Date.now() >= closesAt) {
        // The deadline is the selection's: ask it, in case an extension signal was missed.
        const current = await readSelectionClosesAt(dossier.selectionId);
        if (current && Date.parse(current) > Date.parse(dossier.closesAt)) {
          dossier.closesAt = current;
          await persist();
        }
        // An extension signal may also have arrived while the selection was read.
        if (Date.parse(effectiveDeadline(dossier)) > Date.now()) continue;
        await expire();
        break;
      }
      const reminder = nextReminder(dossier, Date.now());
      const wakeAt = reminder ? Math.min(reminder.at, closesAt) : closesAt;
      changed = false;
      await condition(() => changed, wakeAt - Date.now());
      // Whatever woke the loop, a reminder whose time has come is sent (a step in the same instant must not skip it).
      // (Unless the closing date moved meanwhile: the reminder's key names the date it was for.)
      if (reminder && reminder.closesAt === effectiveDeadline(dossier) && Date.now() >= reminder.at && Date.now() < Date.parse(reminder.closesAt)) {
        await remind(reminder);
      }
    } else {
      // Declared complete: the selection office decides (its tools come with the office's issue).
      changed = false;
      await condition(() => changed);
    }
    if (workflowInfo().continueAsNewSuggested) {
      await condition(settled);
      await continueAsNew<typeof dossierWorkflow>({ continued: dossier });
    }
  }

  await condition(settled);
  return dossier;

  async function remind(reminder: { key: string; daysLeft: number; closesAt: string }): Promise<void> {
    if (!OPEN_STATUSES.includes(dossier.status)) return;
    dossier.remindersSent.push(reminder.key);
    audit(SYSTEM, 'reminder.sent', `${reminder.daysLeft}`);
    await persist();
    // Declared complete meanwhile: no reminder.
    if (!OPEN_STATUSES.includes(dossier.status)) return;
    notify(`reminder:${reminder.key}`, {
      kind: 'dossierReminder',
      trainingTitle: dossier.trainingTitle,
      closesAt: reminder.closesAt,
      daysLeft: reminder.daysLeft,
      missing: missingItems(dossier).map((item) => item.label),
    });
  }

  async function expire(): Promise<void> {
    // Withdrawn or declared complete while the selection was being read: nothing to close.
    if (!OPEN_STATUSES.includes(dossier.status)) return;
    moveTo('EXPIRED');
    dossier.endedAt = new Date().toISOString();
    audit(SYSTEM, 'expired');
    await persist();
    notify('expired', { kind: 'dossierExpired', trainingTitle: dossier.trainingTitle, closesAt: effectiveDeadline(dossier) });
  }
}

/** The next reminder still to send, if any: reminders whose time passed before they could be sent are skipped. */
function nextReminder(dossier: DossierState, now: number): { key: string; at: number; daysLeft: number; closesAt: string } | undefined {
  const deadline = effectiveDeadline(dossier);
  const closesAt = Date.parse(deadline);
  return dossier.reminderOffsetsDays
    .map((days) => ({ key: `${days}:${deadline}`, at: closesAt - days * DAY_MS, daysLeft: days, closesAt: deadline }))
    .filter((reminder) => reminder.at > now && !dossier.remindersSent.includes(reminder.key))
    .sort((a, b) => a.at - b.at)[0];
}
