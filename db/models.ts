import { type Connection, type InferSchemaType, Schema } from 'mongoose';
import { DOSSIER_STATUSES } from '../workflows/dossier/contract.js';

/**
 * MongoDB collections. Every schema must work on FerretDB v1 as well as on
 * MongoDB: no TTL or partial indexes, no transactions, no dotted field names.
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

/** The durable record of a dossier, written only by the workflow's activities. */
const dossierSchema = new Schema(
  {
    _id: { type: String, required: true }, // the workflow id
    selectionId: { type: String, required: true },
    trainingTitle: { type: String, required: true },
    candidate: { type: candidateSchema, required: true },
    status: { type: String, required: true, enum: DOSSIER_STATUSES },
    closesAt: { type: Date, required: true },
    openedAt: { type: Date, required: true },
    revision: { type: Number, required: true },
  },
  { timestamps: true },
);
dossierSchema.index({ selectionId: 1, status: 1 });
dossierSchema.index({ 'candidate.id': 1 });

/** One row per e-mail handed to the relay, so a retried activity never sends twice. */
const sentEmailSchema = new Schema({
  _id: { type: String, required: true }, // idempotency key: workflow id + purpose
  to: { type: String, required: true },
  subject: { type: String, required: true },
  messageId: { type: String, required: true },
  sentAt: { type: Date, required: true },
});

const staffAccountSchema = new Schema(
  {
    identifier: { type: String, required: true, unique: true }, // stored lower-case
    email: { type: String, required: true },
    firstName: { type: String, required: true },
    lastName: { type: String, required: true },
    role: { type: String, required: true, enum: ['admin', 'office'] },
    trainingIds: { type: [String], default: [] },
    /** Self-describing hash: "$scrypt$ln=17,r=8,p=1$<salt>$<hash>". */
    passwordHash: { type: String, required: true },
  },
  { timestamps: true },
);

export type TrainingRecord = InferSchemaType<typeof trainingSchema>;
export type SelectionRecord = InferSchemaType<typeof selectionSchema>;
export type DossierRecord = InferSchemaType<typeof dossierSchema>;

/** Binds the schemas to one connection (processes and tests own their connection). */
export function createModels(connection: Connection) {
  return {
    Training: connection.model('Training', trainingSchema, 'trainings'),
    Selection: connection.model('Selection', selectionSchema, 'selections'),
    Dossier: connection.model('Dossier', dossierSchema, 'dossiers'),
    SentEmail: connection.model('SentEmail', sentEmailSchema, 'sent_emails'),
    StaffAccount: connection.model('StaffAccount', staffAccountSchema, 'staff_accounts'),
  };
}

export type Models = ReturnType<typeof createModels>;
