import { type Connection, type InferSchemaType, Schema } from 'mongoose';
import { DEFAULT_REMINDER_OFFSETS_DAYS, DOSSIER_STATUSES } from '../domain/dossier-lifecycle.js';
import { DEFAULT_RETENTION_MONTHS } from '../domain/retention.js';

/**
 * MongoDB collections. Every schema must work on FerretDB v1 as well as on
 * MongoDB: no TTL or partial indexes, no transactions, no dotted field names.
 *
 * FerretDB v1 on SQLite uses an index only for a filter that is `{ _id }` alone:
 * add any other condition (`{ _id, expiresAt: { $gt } }`) and it reads and
 * decodes the whole collection. Measured with 2,000 documents of 3 KB: 5 ms by
 * _id alone, 39 ms with one more condition (docs/BENCHMARKS.md). So every
 * lookup on a hot path reads by _id alone and checks the rest in code.
 */

const trainingSchema = new Schema(
  {
    _id: { type: String, required: true }, // stable slug, e.g. "educateur-specialise"
    title: { type: String, required: true },
    diploma: { type: String, required: true },
  },
  { timestamps: true },
);

const officeContactSchema = new Schema(
  { name: { type: String, required: true }, email: { type: String, required: true }, phone: String },
  { _id: false },
);

const selectionSchema = new Schema(
  {
    _id: { type: String, required: true }, // e.g. "educateur-specialise-2027"
    trainingId: { type: String, required: true, ref: 'Training' },
    title: { type: String, required: true },
    opensAt: { type: Date, required: true },
    closesAt: { type: Date, required: true },
    officeContact: { type: officeContactSchema, required: true },
    /** Places available: informative, shown to the office. */
    capacity: { type: Number },
    /** The selection's own documents per situation (DocumentRequirements); unset situations keep the default. */
    documentRequirements: { type: Schema.Types.Mixed, default: {} },
    /** Sent to the candidate with the validation of the dossier. */
    paymentTerms: {
      type: String,
      default: "Les frais d'inscription à la sélection sont à régler dans les 15 jours, par virement ou par carte bancaire depuis votre espace candidat. Le détail vous sera précisé par le service sélection.",
    },
    /** Days before closesAt when unfinished dossiers get a reminder. */
    reminderOffsetsDays: { type: [Number], default: () => [...DEFAULT_REMINDER_OFFSETS_DAYS] },
    /** "Documents téléchargeables": forms a candidate fills and uploads back, stored in GridFS. */
    /** Months its dossiers are kept after it closes, per outcome; unset outcomes keep the defaults (domain/retention.ts). */
    retentionMonths: { type: Schema.Types.Mixed, default: () => ({ ...DEFAULT_RETENTION_MONTHS }) },
    /** What the retention purge erased of this selection, for its audit (latest last). */
    purges: {
      type: [new Schema({ at: Date, dossiers: Number, files: Number, byOutcome: Schema.Types.Mixed }, { _id: false })],
      default: [],
    },
    downloadableForms: {
      type: [new Schema({ id: String, title: String, fileId: String, filename: String }, { _id: false })],
      default: [],
    },
  },
  { timestamps: true },
);
selectionSchema.index({ closesAt: 1, opensAt: 1 });

const candidateSchema = new Schema(
  {
    id: { type: String, required: true },
    email: { type: String, required: true },
    firstName: { type: String, required: true },
    lastName: { type: String, required: true },
  },
  { _id: false },
);

/**
 * The durable record of a dossier, written only by the workflow's activities:
 * `state` is the workflow's state as is (its shape is DossierState, checked
 * by the workflow's validators); the fields beside it are copies for queries.
 */
const dossierSchema = new Schema(
  {
    _id: { type: String, required: true }, // the workflow id
    selectionId: { type: String, required: true },
    candidate: { type: candidateSchema, required: true },
    status: { type: String, required: true, enum: DOSSIER_STATUSES },
    closesAt: { type: Date, required: true },
    revision: { type: Number, required: true },
    /** How many items keep it from being complete: the office filters on it. */
    missingCount: { type: Number, default: 0 },
    submittedAt: { type: Date },
    state: { type: Schema.Types.Mixed, required: true },
  },
  { timestamps: true, minimize: false },
);
dossierSchema.index({ selectionId: 1, status: 1 });
dossierSchema.index({ 'candidate.id': 1 });

/** One row per e-mail handed to the relay, so a retried activity never sends twice. */
const sentEmailSchema = new Schema({
  _id: { type: String, required: true }, // idempotency key: workflow id + purpose
  /** No longer written (rows are kept a week, without the address: domain/retention.ts); older rows may hold it. */
  to: { type: String },
  subject: { type: String, required: true },
  messageId: { type: String, required: true },
  sentAt: { type: Date, required: true },
});

/** Operators run the system: they read dossiers' histories in the Temporal Web UI (through the codec), not the office's console. */
export const ACCOUNT_ROLES = ['candidate', 'office', 'admin', 'operator'] as const;
export type AccountRole = (typeof ACCOUNT_ROLES)[number];

/** Candidates and staff alike: one log-in for everyone, the role decides what they reach. */
const accountSchema = new Schema(
  {
    _id: { type: String, required: true }, // random UUID; also the candidate id in dossiers
    identifier: { type: String, required: true, unique: true }, // lower-case: unique whatever the case
    email: { type: String, required: true, unique: true }, // lower-case
    emailVerifiedAt: { type: Date, default: null },
    firstName: { type: String, required: true },
    lastName: { type: String, required: true },
    role: { type: String, required: true, enum: ACCOUNT_ROLES },
    /** Office accounts act only on these trainings' selections. */
    trainingIds: { type: [String], default: [] },
    /** PHC string: "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>". */
    passwordHash: { type: String, required: true },
    /** Raised with every password change: a session made under an older value is refused. */
    credentialsVersion: { type: Number, default: 0 },
    /** The information notice shown at sign-up (its version), and when (accounts/privacy-notice.ts). */
    privacyNotice: { type: new Schema({ version: String, acceptedAt: Date }, { _id: false }), default: undefined },
    /** Inactive candidate accounts are warned, then removed (domain/retention.ts). */
    lastLoginAt: { type: Date },
    inactivityWarnedAt: { type: Date },
    /** « Supprimer mon compte » confirmed: the erasure workflow runs; nobody logs in meanwhile. */
    erasureConfirmedAt: { type: Date },
  },
  { timestamps: true },
);

/** A log-in. Only the SHA-256 of the token is stored: a database leak opens no session. */
const sessionSchema = new Schema({
  _id: { type: String, required: true }, // sha256(token), hex
  accountId: { type: String, required: true, index: true },
  /** The account's credentialsVersion at log-in. */
  credentialsVersion: { type: Number, required: true },
  createdAt: { type: Date, required: true },
  lastSeenAt: { type: Date, required: true },
  /** Idle expiry, pushed forward while the session is used. */
  expiresAt: { type: Date, required: true },
  /** Absolute expiry: a session never outlives this, however busy. */
  absoluteExpiresAt: { type: Date, required: true },
});
sessionSchema.index({ expiresAt: 1 });

export const ACCOUNT_TOKEN_PURPOSES = ['verifyEmail', 'changeEmail', 'resetPassword', 'eraseAccount'] as const;
export type AccountTokenPurpose = (typeof ACCOUNT_TOKEN_PURPOSES)[number];

/** A single-use link sent by e-mail; stored as a hash, removed when used. */
const accountTokenSchema = new Schema({
  _id: { type: String, required: true }, // sha256(token), hex
  accountId: { type: String, required: true, index: true },
  purpose: { type: String, required: true, enum: ACCOUNT_TOKEN_PURPOSES },
  /** For verifyEmail and changeEmail: the address being verified. */
  email: { type: String },
  /** The request that issued it: a retried activity replaces its own token, never another's. */
  requestId: { type: String, required: true, unique: true },
  createdAt: { type: Date, required: true },
  expiresAt: { type: Date, required: true, index: true },
});

/**
 * Abuse limits, shared by every API process: a window of `limit` numbered
 * slots, each taken by inserting its document. Slots rather than a counter:
 * FerretDB v1 loses concurrent $inc updates (12 parallel increments left a
 * count of 2), while a unique _id lets exactly one insert take each slot.
 */
const rateSlotSchema = new Schema({
  _id: { type: String, required: true }, // "<rule>:<hashed subject>:<window start>:<slot number>"
  expiresAt: { type: Date, required: true, index: true },
});

/**
 * An Idempotency-Key as first used: what the request carried (a hash of its
 * body or file), so the same key sent again with other content is refused
 * instead of silently answered with the first outcome. Kept a day.
 */
const idempotencyKeySchema = new Schema({
  _id: { type: String, required: true }, // sha256("<method> <path>#<key>"), hex
  fingerprint: { type: String, required: true },
  expiresAt: { type: Date, required: true, index: true },
  /** An upload's file (api/idempotency.ts claimUploadKey): a retry sends this one, not its own copy. */
  file: { type: Schema.Types.Mixed, required: false },
});

/** A read of a candidate's dossier or file by staff (api/staff-reads.ts): who, when, what. */
const staffReadSchema = new Schema({
  _id: { type: String, required: true },
  dossierId: { type: String, required: true, index: true },
  at: { type: Date, required: true },
  kind: { type: String, required: true },
  by: { type: new Schema({ id: String, name: String, role: String }, { _id: false }), required: true },
  fileId: { type: String },
});

/**
 * Which dossiers a candidate opened, for « Mes inscriptions » (api/services/candidate-dossiers.ts): numbered
 * slots read by `_id` one after the other, because FerretDB evaluates any other filter (`candidate.id`) by
 * reading every dossier stored. Slots, not a list on the account: FerretDB v1 applies an update by rewriting
 * the whole document from a read made outside the write, so a concurrent update (a password change) could be
 * undone; an insert of a unique `_id` cannot. Slot 0 says the list is complete (made with the account, or
 * by a first fill from the query for an account from before).
 */
const candidateDossierSchema = new Schema({
  _id: { type: String, required: true }, // "<account id>:<slot number>"
  /** Null once the dossier is erased (the slot stays: the next ones are found by number). */
  dossierId: { type: String, default: null },
});

/** A dossier erased (retention, or its candidate's request): a store still in flight must not recreate it. Kept a day. */
const erasedDossierSchema = new Schema({
  _id: { type: String, required: true }, // the dossier id
  erasedAt: { type: Date, required: true },
});

export type AccountRecord = InferSchemaType<typeof accountSchema>;
/** A selection as stored (what `lean()` reads). */
export type SelectionRecord = InferSchemaType<typeof selectionSchema> & { _id: string };

/** Binds the schemas to one connection (processes and tests own their connection). */
export function createModels(connection: Connection) {
  return {
    Training: connection.model('Training', trainingSchema, 'trainings'),
    Selection: connection.model('Selection', selectionSchema, 'selections'),
    Dossier: connection.model('Dossier', dossierSchema, 'dossiers'),
    SentEmail: connection.model('SentEmail', sentEmailSchema, 'sent_emails'),
    Account: connection.model('Account', accountSchema, 'accounts'),
    Session: connection.model('Session', sessionSchema, 'sessions'),
    AccountToken: connection.model('AccountToken', accountTokenSchema, 'account_tokens'),
    RateSlot: connection.model('RateSlot', rateSlotSchema, 'rate_slots'),
    IdempotencyKey: connection.model('IdempotencyKey', idempotencyKeySchema, 'idempotency_keys'),
    StaffRead: connection.model('StaffRead', staffReadSchema, 'staff_reads'),
    ErasedDossier: connection.model('ErasedDossier', erasedDossierSchema, 'erased_dossiers'),
    CandidateDossier: connection.model('CandidateDossier', candidateDossierSchema, 'candidate_dossiers'),
  };
}

export type Models = ReturnType<typeof createModels>;
