import type { FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
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

/**
 * How each type ends: a file cut off in transfer (or saved half-written) lacks
 * it. Looked for in the last bytes only: PDF readers look for "%%EOF" in the
 * last 1024 bytes; a PNG ends with its IEND chunk; a JPEG with its EOI marker,
 * which cannot occur inside the compressed data before it (a 0xFF there is
 * always followed by 0x00 or a restart marker), trailing padding allowed.
 */
const ENDINGS: Record<AcceptedType, Buffer> = {
  'application/pdf': Buffer.from('%%EOF'),
  'image/png': Buffer.from([0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]),
  'image/jpeg': Buffer.from([0xff, 0xd9]),
};
const TAIL_LENGTH = 1024;

/** The file's last bytes hold the ending of its type. */
export function hasEnding(type: AcceptedType, tail: Buffer): boolean {
  return tail.includes(ENDINGS[type]);
}

/**
 * Phones' "motion photos" (Google's MotionPhoto, Samsung's MicroVideo) put a
 * video after the JPEG's end marker, and say so in the JPEG's XMP metadata at
 * its start: for those, the end marker is looked for anywhere in the file.
 */
const MOTION_PHOTO = /MotionPhoto|MicroVideo/;
const MOTION_PHOTO_SNIFF = 64 * 1024;

class UnsupportedFileType extends Error {}
class FileTypeMismatch extends Error {}
class TruncatedFile extends Error {}

/** What a name's extension says the bytes must be; a name without one says nothing. */
const EXTENSION_TYPES: Record<string, AcceptedType> = {
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  // Other JPEG spellings: Chrome on Windows saves many photos as .jfif.
  jpe: 'image/jpeg',
  jfif: 'image/jpeg',
  pjpeg: 'image/jpeg',
  pjp: 'image/jpeg',
};
/** Declared types browsers send for the accepted files, old spellings included. */
const DECLARED_TYPES: Record<string, AcceptedType> = {
  'application/pdf': 'application/pdf',
  'application/x-pdf': 'application/pdf',
  'image/png': 'image/png',
  'image/x-png': 'image/png',
  'image/jpeg': 'image/jpeg',
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
};
/** Sent for any file the browser does not know: no claim about the content. */
const UNDECLARED = new Set(['', 'application/octet-stream', 'binary/octet-stream', 'application/x-download', 'application/force-download']);

/**
 * The type the name and the declared type claim, if any; `null` when one of
 * them names a type we do not take (an .exe, text/html): refused before a byte is stored.
 */
export function claimedFileType(filename: string, declared: string | undefined): AcceptedType | undefined | null {
  let claimed: AcceptedType | undefined;
  // An extension starts with a letter: "Relevé 12.03.2024" has none.
  const extension = /\.([a-z][a-z0-9]{0,4})$/i.exec(filename)?.[1]?.toLowerCase();
  if (extension !== undefined) {
    claimed = EXTENSION_TYPES[extension];
    if (!claimed) return null;
  }
  const type = (declared ?? '').split(';')[0]!.trim().toLowerCase();
  if (UNDECLARED.has(type)) return claimed;
  const declaredType = DECLARED_TYPES[type];
  if (!declaredType || (claimed && claimed !== declaredType)) return null;
  return declaredType;
}

/**
 * Passes the bytes through unchanged, holding back only the first few until
 * the type is known; fails the stream at once for anything but PDF, JPEG or
 * PNG, or for bytes other than the name or declared type claims.
 */
class FileTypeGate extends Transform {
  type: AcceptedType | undefined;
  private head = Buffer.alloc(0);
  private tail = Buffer.alloc(0);
  private readonly hash = createHash('sha256');
  /** For motion photos: the start of the file as text, and whether a JPEG end marker passed. */
  private start = '';
  private jpegEndSeen = false;
  private lastByte = -1;

  constructor(
    private readonly claimed: AcceptedType | undefined,
    /** The multipart limit cut the file: it is refused as too large, not as damaged. */
    private readonly cutAtLimit: () => boolean,
  ) {
    super();
  }

  /** The SHA-256 of the bytes, once they have all passed. */
  get digest(): string {
    return this.hash.digest('hex');
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.tail = Buffer.concat([this.tail, chunk]).subarray(-TAIL_LENGTH);
    if (this.start.length < MOTION_PHOTO_SNIFF) this.start += chunk.subarray(0, MOTION_PHOTO_SNIFF - this.start.length).toString('latin1');
    if (!this.jpegEndSeen) this.jpegEndSeen = chunk.includes(ENDINGS['image/jpeg']) || (this.lastByte === 0xff && chunk[0] === 0xd9);
    this.lastByte = chunk.at(-1) ?? this.lastByte;
    if (this.type) return callback(null, chunk);
    this.head = Buffer.concat([this.head, chunk]);
    if (this.head.length < SNIFF_LENGTH) return callback();
    callback(this.check() ?? null);
  }

  override _flush(callback: TransformCallback): void {
    const refused = this.type ? undefined : this.check();
    if (refused) return callback(refused);
    // The whole file has passed: a file cut short lacks its type's ending.
    const motionPhoto = this.type === 'image/jpeg' && this.jpegEndSeen && MOTION_PHOTO.test(this.start);
    callback(this.cutAtLimit() || hasEnding(this.type!, this.tail) || motionPhoto ? null : new TruncatedFile());
  }

  /** Judges the first bytes: the refusal, or nothing once they are passed on. */
  private check(): Error | undefined {
    this.type = detectFileType(this.head);
    if (!this.type) return new UnsupportedFileType();
    if (this.claimed && this.claimed !== this.type) return new FileTypeMismatch();
    this.push(this.head);
    this.head = Buffer.alloc(0);
    return undefined;
  }
}

export const uploadErrors = {
  noFile: () => new AppError('VALIDATION_FAILED', 'Aucun fichier reçu : joignez le document dans le champ « file ».', [{ field: 'body.file', code: 'REQUIRED', message: 'fichier obligatoire' }]),
  unexpectedPart: () =>
    new AppError('VALIDATION_FAILED', 'Envoyez un seul fichier, dans le champ « file », sans autre champ.', [{ field: 'body', code: 'UNEXPECTED_PART', message: 'un seul fichier attendu' }]),
  badFilename: () =>
    new AppError('VALIDATION_FAILED', 'Le nom du fichier est invalide : renommez-le (sans « / », « \\ » ni caractère spécial, 255 caractères au plus) et recommencez.', [
      { field: 'body.file.filename', code: 'INVALID_FORMAT', message: 'nom de fichier invalide' },
    ]),
  tooLarge: (maxBytes: number) =>
    new AppError('PAYLOAD_TOO_LARGE', `Le fichier dépasse la taille maximale de ${Math.round(maxBytes / (1024 * 1024))} Mo.`),
  unsupportedType: () =>
    new AppError('UNSUPPORTED_MEDIA_TYPE', 'Ce type de fichier n’est pas accepté : déposez un PDF (conseillé), un JPEG ou un PNG.'),
  truncated: () =>
    new AppError('UNSUPPORTED_MEDIA_TYPE', 'Le fichier semble incomplet ou endommagé (sa fin manque) : enregistrez-le à nouveau sur votre ordinateur, puis déposez-le.', [
      { field: 'body.file', code: 'TRUNCATED', message: 'fichier incomplet' },
    ]),
  typeMismatch: () =>
    new AppError('UNSUPPORTED_MEDIA_TYPE', 'Le contenu du fichier ne correspond pas à son nom ou à son type : vérifiez le fichier et déposez un PDF, un JPEG ou un PNG.'),
  notMultipart: () => new AppError('UNSUPPORTED_MEDIA_TYPE', 'Envoyez le fichier en multipart/form-data, dans le champ « file ».'),
  malformed: () => new AppError('VALIDATION_FAILED', "L'envoi du fichier est incomplet ou mal formé : recommencez.", [{ field: 'body.file', code: 'MALFORMED', message: 'envoi mal formé' }]),
};

/** Errors the multipart plugin already gave a 4xx status keep it (the error handler answers them). */
function withStatus(error: unknown): Error | undefined {
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? (error as Error) : undefined;
}

/**
 * The name as kept: trimmed of the spaces and dots Windows drops at the end
 * anyway (so "cv.exe. " is judged as "cv.exe"); `undefined` when it is not a
 * name a person could have given a file: missing, only dots, a path, a
 * control character, or over 255 characters.
 */
export function acceptableFilename(name: unknown): string | undefined {
  if (typeof name !== 'string') return undefined;
  const normalized = name.trim().replace(/[. ]+$/, '');
  if (normalized.length === 0 || normalized.length > 255) return undefined;
  if (/[\\/\u0000-\u001f\u007f]/.test(normalized) || /^\.+$/.test(normalized)) return undefined;
  return normalized;
}

/**
 * Streams the request's one file into GridFS, never holding it whole in
 * memory. The body must hold exactly one part, the file in the field "file",
 * with an acceptable name; its type is judged by its first bytes (and must be
 * what its name and declared type claim), its size by the multipart limit.
 * Whatever is refused is deleted before the error is answered.
 */
export interface ReceivedUpload {
  file: FileRef;
  /** The bytes' SHA-256 and the name: what an Idempotency-Key retry must carry again. */
  fingerprint: string;
  /** The text fields sent before the file, of those `fields` names. */
  fields: Record<string, string>;
}

export interface UploadOptions {
  maxBytes: number;
  metadata: Record<string, unknown>;
  /** Text fields a form may send before its file (the API takes none: its file is alone). */
  fields?: readonly string[];
}

export async function receiveUpload(
  request: FastifyRequest,
  files: FileStore,
  options: UploadOptions,
): Promise<ReceivedUpload> {
  try {
    return await readUpload(request, files, options);
  } catch (error) {
    const refusal = error instanceof AppError ? error : withStatus(error);
    if (!refusal) throw error;
    // Refused before the body was read to its end: the parser stopped reading, and a client still
    // sending would never see the answer. Discard the rest, and close the connection after answering.
    request.raw.unpipe();
    request.raw.resume();
    const appError =
      refusal instanceof AppError
        ? refusal
        : (refusal as { statusCode?: number }).statusCode === 413
          ? uploadErrors.tooLarge(options.maxBytes)
          : uploadErrors.malformed();
    throw new AppError(appError.code, appError.message, appError.details, { ...appError.headers, connection: 'close' });
  }
}

async function readUpload(request: FastifyRequest, files: FileStore, options: UploadOptions): Promise<ReceivedUpload> {
  if (!request.isMultipart()) throw uploadErrors.notMultipart();
  // `throwFileSizeLimit` is read by parts() too (the plugin's index.js), though its types list it for file() only.
  // `preservePath`: busboy would otherwise cut "../../x.pdf" to "x.pdf" silently; such a name is refused instead.
  const partsOptions = { limits: { fileSize: options.maxBytes, files: 1 }, preservePath: true, throwFileSizeLimit: false };
  const parts = request.parts(partsOptions)[Symbol.asyncIterator]();
  const nextPart = async () => {
    try {
      return await parts.next();
    } catch (error) {
      // A body the multipart parser cannot read (no boundary, broken framing, over its limits): the client's fault.
      throw withStatus(error) ?? uploadErrors.malformed();
    }
  };

  // The text fields a form puts before its file (a page's form names its file so), each once; nothing else.
  const fields: Record<string, string> = {};
  let first = await nextPart();
  while (!first.done && first.value.type === 'field' && (options.fields ?? []).includes(first.value.fieldname) && !(first.value.fieldname in fields)) {
    fields[first.value.fieldname] = String(first.value.value ?? '');
    first = await nextPart();
  }
  if (first.done) throw uploadErrors.noFile();
  const part = first.value;
  if (part.type !== 'file' || part.fieldname !== 'file') {
    if (part.type === 'file') part.file.resume();
    throw part.type === 'file' ? uploadErrors.noFile() : uploadErrors.unexpectedPart();
  }
  const refuse = (error: AppError) => {
    part.file.resume(); // drain what is left, so the request can end
    return error;
  };
  const filename = acceptableFilename(part.filename);
  if (filename === undefined) throw refuse(uploadErrors.badFilename());
  const claimed = claimedFileType(filename, part.mimetype);
  if (claimed === null) throw refuse(uploadErrors.unsupportedType());

  let requestError: unknown;
  part.file.once('error', (error) => (requestError = error));
  const gate = new FileTypeGate(claimed, () => part.file.truncated);
  let stored;
  try {
    stored = await files.save(part.file, { filename, contentType: 'application/octet-stream', metadata: options.metadata }, [gate]);
  } catch (error) {
    part.file.resume();
    if (error instanceof UnsupportedFileType) throw uploadErrors.unsupportedType();
    if (error instanceof FileTypeMismatch) throw uploadErrors.typeMismatch();
    if (error instanceof TruncatedFile) throw uploadErrors.truncated();
    if (requestError !== undefined && error === requestError) throw uploadErrors.malformed();
    throw error;
  }
  // Anything after the file (a second file, a field) is refused too: the body is read to its end first.
  const refused = part.file.truncated ? uploadErrors.tooLarge(options.maxBytes) : await nextPart().then((rest) => (rest.done ? undefined : uploadErrors.unexpectedPart()), (error: AppError) => error);
  if (refused) {
    await files.delete(stored.id);
    throw refused;
  }
  // The type is set once the first bytes told (the file was streamed in before).
  await files.setContentType(stored.id, gate.type!);
  return {
    file: { fileId: stored.id, filename: stored.filename, contentType: gate.type!, size: stored.length, uploadedAt: new Date().toISOString() },
    fingerprint: `${gate.digest}:${filename}`,
    fields,
  };
}
