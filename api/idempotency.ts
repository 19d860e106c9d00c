/**
 * The optional `Idempotency-Key` request header: a client that got no answer
 * (a timeout, a 503, a dropped connection) sends the same request again with
 * the same key, and it lands once. The key, scoped by method and path (which
 * name the dossier, document or entry, so a key reused for another step is not
 * mistaken for a retry), becomes the Temporal Update id — as a short hash: the
 * history repeats the id four times per Update, and the path names the dossier. The same key
 * with other content is refused (422), not answered with the first outcome.
 */
import type { FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { isDuplicateKeyError } from '../db/errors.js';
import type { Models } from '../db/models.js';
import { type FileRef, fileRefSchema } from '../domain/dossier.js';
import { errors } from './errors.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const KEY_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
const KEY_LIFETIME_MS = 24 * 3600_000;

/** The request's key scoped by method and path, checked for its form (400 before anything is read); undefined without one. */
export function idempotencyKeyOf(request: FastifyRequest, key: unknown = request.headers[IDEMPOTENCY_HEADER]): string | undefined {
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !KEY_PATTERN.test(key)) throw errors.invalidIdempotencyKey();
  return `${request.method} ${request.url.split('?')[0]}#${key}`;
}

/** A stable hash of what a request carries: its JSON body (keys sorted), or a file's bytes and name. */
export function fingerprintOf(content: unknown): string {
  const canonical = (value: unknown): unknown =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, canonical(v)]))
      : Array.isArray(value)
        ? value.map(canonical)
        : value;
  return createHash('sha256').update(JSON.stringify(canonical(content ?? null))).digest('hex');
}

/** The scoped key's hash: its record's _id (hex) and, cut short, the Update id. */
const keyDigest = (scopedKey: string) => createHash('sha256').update(scopedKey).digest();

interface Claim {
  /** The Temporal Update id to use; undefined without a key. */
  updateId: string | undefined;
  /** For an upload: the file of the key's first claim (this request's own on a first use). */
  file?: FileRef;
  /** This request made the claim (a first use, or no key at all). */
  created: boolean;
}

/**
 * Records the key's first use with its fingerprint (and an upload's file), or
 * checks a retry's against it: a 422 for other content. Parallel first uses
 * race on a unique _id: one inserts, the others compare.
 */
async function claim(models: Pick<Models, 'IdempotencyKey'>, scopedKey: string | undefined, fingerprint: string, file?: FileRef): Promise<Claim> {
  if (scopedKey === undefined) return { updateId: undefined, created: true, ...(file ? { file } : {}) };
  const digest = keyDigest(scopedKey);
  const _id = digest.toString('hex');
  let firstFile = file;
  let created = true;
  try {
    await models.IdempotencyKey.create({ _id, fingerprint, expiresAt: new Date(Date.now() + KEY_LIFETIME_MS), ...(file ? { file } : {}) });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    created = false;
    const first = await models.IdempotencyKey.findById(_id).lean();
    if (first && first.fingerprint !== fingerprint) throw errors.idempotencyKeyReused();
    if (file && first?.file) firstFile = fileRefSchema.parse(first.file);
  }
  // 128 bits: no two keys meet in practice.
  return { updateId: digest.subarray(0, 16).toString('base64url'), created, ...(firstFile ? { file: firstFile } : {}) };
}

/** The Temporal Update id for the key, or a 422 when it came with other content. */
export async function claimIdempotencyKey(models: Pick<Models, 'IdempotencyKey'>, scopedKey: string | undefined, fingerprint: string): Promise<string | undefined> {
  return (await claim(models, scopedKey, fingerprint)).updateId;
}

/**
 * For an upload. A retry stores its own copy of the bytes before its key is
 * checked; it must still send the first attempt's file: one Update id is one
 * set of arguments in Temporal's history. Were the retry to carry another
 * file id, a first attempt that reached the workflow just before a crash would
 * be applied with one file and replayed with the other.
 */
export async function claimUploadKey(
  models: Pick<Models, 'IdempotencyKey'>,
  scopedKey: string | undefined,
  fingerprint: string,
  file: FileRef,
): Promise<{ updateId: string | undefined; file: FileRef; created: boolean }> {
  const claimed = await claim(models, scopedKey, fingerprint, file);
  return { updateId: claimed.updateId, file: claimed.file ?? file, created: claimed.created };
}

/** Forgets a key whose request was clearly refused: it had no effect, so a retry starts afresh (with its own file). */
export async function releaseIdempotencyKey(models: Pick<Models, 'IdempotencyKey'>, scopedKey: string | undefined): Promise<void> {
  if (scopedKey === undefined) return;
  await models.IdempotencyKey.deleteOne({ _id: keyDigest(scopedKey).toString('hex') });
}

/** For a JSON request: its key claimed with the body's fingerprint. */
export function updateIdOf(request: FastifyRequest): Promise<string | undefined> {
  return claimIdempotencyKey(request.server.deps.database.models, idempotencyKeyOf(request), fingerprintOf(request.body));
}
