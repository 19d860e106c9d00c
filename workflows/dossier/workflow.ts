import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { Activities } from '../../activities/index.js';
import {
  civilStatusSchema,
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
} from './contract.js';

const { storeDossier, deleteFiles, readSelectionClosesAt } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

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
          revision: 0,
        };

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

  /** Sends without waiting: the e-mail may wait out an SMTP outage for days. */
  function notify(purpose: string, template: EmailTemplate): void {
    pendingEmails += 1;
    sendEmail({ idempotencyKey: `${dossier.dossierId}:${purpose}`, to: dossier.candidate.email, template })
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
    if (dossier.status !== 'DRAFT') {
      refuse('DOSSIER_LOCKED', lockedMessage(dossier.status));
    }
    if (Date.now() >= Date.parse(dossier.closesAt)) {
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
  async function commit(removedFiles: (FileRef | undefined)[] = []): Promise<DossierState> {
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
      return commit();
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
      // Only the salaried need the employer form: another situation drops a file that no longer belongs.
      const dropped = dossier.situation.status === 'salarie' ? undefined : dossier.documents.employerForm;
      if (dropped) delete dossier.documents.employerForm;
      return commit([dropped]);
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
        return commit();
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
        return commit([removed?.[options.file] as FileRef | undefined]);
      },
      {
        validator: ({ entryId }) => {
          assertEditable();
          assertEntry(entries(), entryId);
        },
      },
    );
  }

  registerEntryHandlers({ list: 'diplomas', file: 'document', max: MAX_DIPLOMAS, label: 'diplômes', schema: diplomaFieldsSchema, save: saveDiplomaUpdate, remove: removeDiplomaUpdate });
  registerEntryHandlers({ list: 'experiences', file: 'proof', max: MAX_EXPERIENCES, label: 'expériences', schema: experienceFieldsSchema, save: saveExperienceUpdate, remove: removeExperienceUpdate });

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
      return commit([replaced]);
    },
    {
      validator: ({ target }) => {
        assertEditable();
        if (target.kind === 'document' && target.document === 'employerForm' && dossier.situation?.status !== 'salarie') {
          refuse('INVALID_STEP', "Le justificatif de statut salarié ne concerne que les candidats salariés : indiquez d'abord votre situation.");
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
      await commit();
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
      await commit();
      // Once per closing date, however often the candidate says "later".
      notify(`incomplete:${dossier.closesAt}`, {
        kind: 'dossierIncomplete',
        trainingTitle: dossier.trainingTitle,
        closesAt: dossier.closesAt,
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
      await commit();
      notify('withdrawn', { kind: 'dossierWithdrawn', trainingTitle: dossier.trainingTitle });
      return dossier;
    },
    { validator: () => assertEditable() },
  );

  setHandler(extendDeadlineSignal, ({ closesAt }) => {
    // Only later dates, and only for dossiers still waiting on the deadline.
    if (FINAL_STATUSES.includes(dossier.status) || !(Date.parse(closesAt) > Date.parse(dossier.closesAt))) return;
    dossier.closesAt = closesAt;
    changed = true;
    void persist();
  });

  // ---- The life cycle.

  if (!('continued' in input)) {
    upsertSearchAttributes([
      { key: searchAttributes.status, value: dossier.status },
      { key: searchAttributes.selection, value: dossier.selectionId },
      { key: searchAttributes.candidate, value: dossier.candidate.id },
    ]);
    await persist();
    stored = true;
    notify('opened', { kind: 'dossierOpened', trainingTitle: dossier.trainingTitle, closesAt: dossier.closesAt });
  }

  while (!FINAL_STATUSES.includes(dossier.status)) {
    if (dossier.status === 'DRAFT') {
      const closesAt = Date.parse(dossier.closesAt);
      if (Date.now() >= closesAt) {
        // The deadline is the selection's: ask it, in case an extension signal was missed.
        const current = await readSelectionClosesAt(dossier.selectionId);
        if (current && Date.parse(current) > Date.parse(dossier.closesAt)) {
          dossier.closesAt = current;
          await persist();
        }
        // An extension signal may also have arrived while the selection was read.
        if (Date.parse(dossier.closesAt) > Date.now()) continue;
        await expire();
        break;
      }
      const reminder = nextReminder(dossier, Date.now());
      const wakeAt = reminder ? Math.min(reminder.at, closesAt) : closesAt;
      changed = false;
      await condition(() => changed, wakeAt - Date.now());
      // Whatever woke the loop, a reminder whose time has come is sent (a step in the same instant must not skip it).
      // (Unless the closing date moved meanwhile: the reminder's key names the date it was for.)
      if (reminder && reminder.closesAt === dossier.closesAt && Date.now() >= reminder.at && Date.now() < Date.parse(dossier.closesAt)) {
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

  async function remind(reminder: { key: string; daysLeft: number }): Promise<void> {
    if (dossier.status !== 'DRAFT') return;
    dossier.remindersSent.push(reminder.key);
    await persist();
    // Declared complete meanwhile: no reminder.
    if (dossier.status !== 'DRAFT') return;
    notify(`reminder:${reminder.key}`, {
      kind: 'dossierReminder',
      trainingTitle: dossier.trainingTitle,
      closesAt: dossier.closesAt,
      daysLeft: reminder.daysLeft,
      missing: missingItems(dossier).map((item) => item.label),
    });
  }

  async function expire(): Promise<void> {
    // Withdrawn or declared complete while the selection was being read: nothing to close.
    if (dossier.status !== 'DRAFT') return;
    moveTo('EXPIRED');
    dossier.endedAt = new Date().toISOString();
    await persist();
    notify('expired', { kind: 'dossierExpired', trainingTitle: dossier.trainingTitle, closesAt: dossier.closesAt });
  }
}

/** The next reminder still to send, if any: reminders whose time passed before they could be sent are skipped. */
function nextReminder(dossier: DossierState, now: number): { key: string; at: number; daysLeft: number; closesAt: string } | undefined {
  const closesAt = Date.parse(dossier.closesAt);
  return dossier.reminderOffsetsDays
    .map((days) => ({ key: `${days}:${dossier.closesAt}`, at: closesAt - days * DAY_MS, daysLeft: days, closesAt: dossier.closesAt }))
    .filter((reminder) => reminder.at > now && !dossier.remindersSent.includes(reminder.key))
    .sort((a, b) => a.at - b.at)[0];
}
