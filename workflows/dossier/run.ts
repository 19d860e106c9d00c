/**
 * The plumbing of one dossier's run: its state, the stores kept in revision
 * order, the e-mails in flight, the audit trail, and the one way a handler
 * changes the dossier (`commit`, or `transition` when the status moves).
 * Handlers say what changes; this module makes it durable.
 *
 * Workflow code: deterministic, no Node API.
 */
import { allHandlersFinished, ApplicationFailure, log, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { ErrorDetail } from '../../domain/validation.js';
import type { FileRef } from '../../domain/dossier.js';
import type { Actor, DossierState } from '../../domain/dossier-record.js';
import { type DossierAction, type DossierStatus, type Refusal, refusalOf, statusAfter } from '../../domain/dossier-lifecycle.js';
import type { EmailTemplate } from '../../mail/templates.js';
import { deleteFiles, sendEmail, storeDossier } from './activities.js';
import { type DossierReceipt, type DossierWorkflowInput, searchAttributes } from './contract.js';

export const SYSTEM: Actor = { type: 'system' };

/** Refuses an Update from its validator: nothing reaches the history, the API answers `refusal.code`. */
export function refuse(refusal: Refusal, details?: ErrorDetail[]): never {
  throw ApplicationFailure.create({ type: refusal.code, message: refusal.message, nonRetryable: true, ...(details === undefined ? {} : { details: [details] }) });
}

export interface ChangeOptions {
  /** Audit trail name, e.g. "civilStatus.saved". */
  action: string;
  /** Who did it (the candidate unless said). */
  by?: Actor;
  detail?: string;
  /** Files the change no longer refers to: deleted once the new state is stored. */
  removedFiles?: (FileRef | undefined)[];
}

export interface TransitionOptions extends ChangeOptions {
  /** The life-cycle action: its target status comes from domain/dossier-lifecycle.ts. */
  lifecycle: DossierAction;
  /** The change itself, applied once the status has moved. */
  change?: (dossier: DossierState) => void;
  /** The e-mail that tells the candidate, built once the change is stored (its key may name the revision). */
  email?: (dossier: DossierState) => { purpose: string; template: EmailTemplate };
}

export class DossierRun {
  readonly dossier: DossierState;
  readonly candidate: Actor;
  /** Wakes the main loop when a handler changed something it waits on. */
  changed = false;
  /** The first store is done: "+ S'inscrire" answers once the API can read the record. */
  stored: boolean;
  // Stores run one after the other, in revision order.
  private storing: Promise<void> = Promise.resolve();
  private pendingStores = 0;
  // E-mails in flight: an SMTP outage delays them, never the dossier's own work.
  private pendingEmails = 0;

  constructor(input: DossierWorkflowInput) {
    this.stored = 'continued' in input;
    this.dossier =
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
    this.dossier.history ??= [];
    this.candidate = { type: 'candidate', id: this.dossier.candidate.id, name: `${this.dossier.candidate.firstName} ${this.dossier.candidate.lastName}` };
  }

  get receipt(): DossierReceipt {
    return { revision: this.dossier.revision };
  }

  /** Refuses the Update unless the life cycle allows `action` now. */
  assertAllowed(action: DossierAction): void {
    const refusal = refusalOf(action, this.dossier, Date.now());
    if (refusal) refuse(refusal);
  }

  /** Stores a new revision; resolves once it (and every earlier one) is in the database. */
  persist(): Promise<void> {
    this.dossier.revision += 1;
    const snapshot: DossierState = JSON.parse(JSON.stringify(this.dossier));
    this.pendingStores += 1;
    this.storing = this.storing.then(() => storeDossier(snapshot)).finally(() => (this.pendingStores -= 1));
    return this.storing;
  }

  /** Adds a line to the audit trail; stored with the change it describes. */
  audit(actor: Actor, action: string, detail?: string): void {
    this.dossier.history.push({ at: new Date().toISOString(), actor, action, ...(detail === undefined ? {} : { detail }) });
  }

  /** Sends without waiting: the e-mail may wait out an SMTP outage for days. Each purpose is sent once. */
  notify(purpose: string, template: EmailTemplate): void {
    this.pendingEmails += 1;
    // The address is read from the dossier's record by the activity: the history holds no copy of it.
    sendEmail({ dossierId: this.dossier.dossierId, purpose, template })
      .then(({ sent }) => {
        if (!sent) return;
        this.audit(SYSTEM, 'email.sent', template.kind);
        return this.persist();
      })
      .catch((error) => {
        // A refused address must not end the dossier; the failure stays visible in the history.
        log.warn('e-mail not delivered', { purpose, error: String(error) });
      })
      .finally(() => (this.pendingEmails -= 1));
  }

  /** No Update, store or e-mail left half done: the run may end or continue as new. */
  settled = (): boolean => allHandlersFinished() && this.pendingStores === 0 && this.pendingEmails === 0;

  /** Records a change: stored before the Update returns, so the API reads its own write. */
  async commit({ action, by = this.candidate, detail, removedFiles = [] }: ChangeOptions): Promise<DossierReceipt> {
    this.audit(by, action, detail);
    // Wakes the main loop, which looks at the history's size after every change.
    this.changed = true;
    await this.persist();
    const fileIds = removedFiles.filter((file): file is FileRef => Boolean(file)).map((file) => file.fileId);
    // A replaced or removed upload is deleted, not orphaned; after the store, so the record never points at a deleted file.
    if (fileIds.length > 0) await deleteFiles(fileIds);
    return this.receipt;
  }

  /** A step of the life cycle: the status moves (if the action moves it), the change is recorded, the candidate is told. */
  async transition({ lifecycle, change, email, ...recorded }: TransitionOptions): Promise<DossierReceipt> {
    const to = statusAfter(lifecycle, this.dossier.status);
    if (to !== this.dossier.status) this.moveTo(to);
    change?.(this.dossier);
    await this.commit(recorded);
    if (email) {
      const { purpose, template } = email(this.dossier);
      this.notify(purpose, template);
    }
    return this.receipt;
  }

  /** The status, and the search attribute operators filter on, move together. */
  private moveTo(status: DossierStatus): void {
    this.dossier.status = status;
    upsertSearchAttributes([{ key: searchAttributes.status, value: status }]);
    this.changed = true;
  }
}
