import type { FastifyRequest } from 'fastify';
import { Transform, type TransformCallback } from 'node:stream';
import type { FileStore } from '../db/files.js';
import type { FileRef } from '../domain/dossier.js';
import { AppError } from './errors.js';

type AcceptedType = FileRef['contentType'];

/** Signatures of the accepted types: the bytes decide, not the declared type or the name. */
const SIGNATURES: { type: AcceptedType; bytes: number[] }[] = [
  { type: 'application/pdf', bytes: [0x25, 0x50, 0x44, 0x46, 0x2d] }, // "%PDF-"
  { type: 'image/png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { type: 'image/jpeg', bytes: [0xff, 0xd8, 0xff] },
];
const SNIFF_LENGTH = Math.max(...SIGNATURES.map((s) => s.bytes.length));

export function detectFileType(head: Uint8Array): AcceptedType | undefined {
  return SIGNATURES.find((signature) => signature.bytes.every((byte, index) => head[index] === byte))?.type;
}

class UnsupportedFileType extends Error {}

/**
 * Passes the bytes through unchanged, holding back only the first few until
 * the type is known; fails the stream at once for anything but PDF, JPEG or PNG.
 */
class FileTypeGate extends Transform {
  type: AcceptedType | undefined;
  private head = Buffer.alloc(0);

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.type) return callback(null, chunk);
    this.head = Buffer.concat([this.head, chunk]);
    if (this.head.length < SNIFF_LENGTH) return callback();
    this.check(callback);
  }

  override _flush(callback: TransformCallback): void {
    if (this.type) return callback();
    this.check(callback);
  }

  private check(callback: TransformCallback): void {
    this.type = detectFileType(this.head);
    if (!this.type) return callback(new UnsupportedFileType());
    const head = this.head;
    this.head = Buffer.alloc(0);
    callback(null, head);
  }
}

export const uploadErrors = {
  noFile: () => new AppError('VALIDATION_FAILED', 'Aucun fichier reçu : joignez le document dans le champ « file ».', [{ field: 'body.file', message: 'fichier obligatoire' }]),
  tooLarge: (maxBytes: number) =>
    new AppError('PAYLOAD_TOO_LARGE', `Le fichier dépasse la taille maximale de ${Math.round(maxBytes / (1024 * 1024))} Mo.`),
  unsupportedType: () =>
    new AppError('UNSUPPORTED_MEDIA_TYPE', 'Ce type de fichier n’est pas accepté : déposez un PDF (conseillé), un JPEG ou un PNG.'),
  notMultipart: () => new AppError('UNSUPPORTED_MEDIA_TYPE', 'Envoyez le fichier en multipart/form-data, dans le champ « file ».'),
  malformed: () => new AppError('VALIDATION_FAILED', "L'envoi du fichier est incomplet ou mal formé : recommencez.", [{ field: 'body.file', message: 'multipart invalide' }]),
};

/** Errors the multipart plugin already gave a 4xx status keep it (the error handler answers them). */
function withStatus(error: unknown): Error | undefined {
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? (error as Error) : undefined;
}

/**
 * Streams the request's one file into GridFS, never holding it whole in
 * memory. Checks its type by its first bytes and its size by the multipart
 * limit; whatever is refused is deleted before the error is answered.
 */
export async function receiveUpload(
  request: FastifyRequest,
  files: FileStore,
  options: { maxBytes: number; metadata: Record<string, unknown> },
): Promise<FileRef> {
  if (!request.isMultipart()) throw uploadErrors.notMultipart();
  let part;
  try {
    part = await request.file({ limits: { fileSize: options.maxBytes, files: 1 }, throwFileSizeLimit: false });
  } catch (error) {
    // A body the multipart parser cannot read (no boundary, broken framing): the client's fault.
    throw withStatus(error) ?? uploadErrors.malformed();
  }
  if (!part) throw uploadErrors.noFile();

  let requestError: unknown;
  part.file.once('error', (error) => (requestError = error));
  const gate = new FileTypeGate();
  let stored;
  try {
    stored = await files.save(
      part.file,
      {
        filename: sanitizeFilename(part.filename),
        contentType: 'application/octet-stream', // set below, once the first bytes told
        metadata: options.metadata,
      },
      [gate],
    );
  } catch (error) {
    part.file.resume(); // drain what is left, so the request can end
    if (error instanceof UnsupportedFileType) throw uploadErrors.unsupportedType();
    if (requestError !== undefined && error === requestError) throw uploadErrors.malformed();
    throw error;
  }
  if (part.file.truncated) {
    await files.delete(stored.id);
    throw uploadErrors.tooLarge(options.maxBytes);
  }
  await files.setContentType(stored.id, gate.type!);
  return { fileId: stored.id, filename: stored.filename, contentType: gate.type!, size: stored.length, uploadedAt: new Date().toISOString() };
}

/** Keeps the name a person gave the file, minus path parts and control characters. */
function sanitizeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[\u0000-\u001f\u007f"]/g, '').trim().slice(0, 200);
  return clean || 'document';
}
