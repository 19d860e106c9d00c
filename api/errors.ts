import type { Refusal } from '../domain/dossier-lifecycle.js';
import type { ErrorDetail } from '../domain/validation.js';

/**
 * The one application error type. Every error the API answers with has this
 * JSON shape: { statusCode, code, message, details? }, the HTTP status equal to
 * statusCode. `code` is stable for programs; `message` is French for people.
 */
export const errorCodes = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  WEAK_PASSWORD: 400,
  DEADLINE_NOT_LATER: 400,
  INVALID_TOKEN: 400,
  CURRENT_PASSWORD_INVALID: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  CROSS_ORIGIN_REFUSED: 403,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  SELECTION_NOT_FOUND: 404,
  DOSSIER_NOT_FOUND: 404,
  ENTRY_NOT_FOUND: 404,
  FILE_NOT_FOUND: 404,
  FORM_NOT_FOUND: 404,
  SELECTION_NOT_OPEN: 409,
  REGISTRATION_CLOSED: 409,
  DOSSIER_LOCKED: 409,
  DOSSIER_INCOMPLETE: 409,
  EMAIL_NOT_VERIFIED: 409,
  TOO_MANY_ENTRIES: 409,
  NO_DIPLOMA_CONFLICT: 409,
  ILLEGAL_TRANSITION: 409,
  IDENTIFIER_TAKEN: 409,
  EMAIL_TAKEN: 409,
  SELECTION_EXISTS: 409,
  ERASURE_REFUSED: 409,
  PRIVACY_NOTICE_CHANGED: 409,
  ACCOUNT_BEING_ERASED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
  PAYLOAD_UNREADABLE: 422,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof errorCodes;


export class AppError extends Error {
  override name = 'AppError';
  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.statusCode = errorCodes[code];
  }
}

export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  message: string;
  details?: ErrorDetail[];
}

export const errors = {
  selectionNotFound: () => new AppError('SELECTION_NOT_FOUND', "Cette sélection n'existe pas."),
  dossierNotFound: () => new AppError('DOSSIER_NOT_FOUND', "Ce dossier d'inscription n'existe pas."),
  selectionNotOpen: (reason: 'notYetOpen' | 'closed') =>
    new AppError(
      'SELECTION_NOT_OPEN',
      reason === 'closed'
        ? 'Les inscriptions à cette sélection sont closes.'
        : 'Les inscriptions à cette sélection ne sont pas encore ouvertes.',
    ),
  unauthenticated: () => new AppError('UNAUTHENTICATED', 'Vous devez vous connecter pour accéder à cette page.'),
  forbidden: (reservedTo: 'office' | 'candidates' | 'operations' = 'office') =>
    new AppError(
      'FORBIDDEN',
      reservedTo === 'candidates'
        ? "Vous n'avez pas accès à cette page : elle est réservée aux candidats."
        : reservedTo === 'operations'
          ? "Vous n'avez pas accès à cette page : elle est réservée à l'exploitation (comptes opérateur ou administrateur)."
          : "Vous n'avez pas accès à cette page : elle est réservée au service sélection.",
    ),
  invalidCredentials: () => new AppError('INVALID_CREDENTIALS', 'Identifiant ou mot de passe incorrect.'),
  currentPasswordInvalid: () =>
    new AppError('CURRENT_PASSWORD_INVALID', 'Le mot de passe actuel est incorrect.', [{ field: 'body.currentPassword', code: 'INCORRECT', message: 'mot de passe incorrect' }]),
  identifierTaken: () =>
    new AppError('IDENTIFIER_TAKEN', 'Cet identifiant est déjà utilisé. Choisissez-en un autre, ou connectez-vous si ce compte est le vôtre.', [
      { field: 'body.identifier', code: 'TAKEN', message: 'identifiant déjà utilisé' },
    ]),
  emailTaken: () => new AppError('EMAIL_TAKEN', 'Cette adresse e-mail est déjà celle d’un autre compte.'),
  weakPassword: (reason: string, suggestions: string[], field: string) =>
    new AppError('WEAK_PASSWORD', reason, [{ field, code: 'WEAK_PASSWORD', message: reason }, ...suggestions.map((message) => ({ field, code: 'SUGGESTION', message }))]),
  invalidToken: () =>
    new AppError('INVALID_TOKEN', "Ce lien n'est plus valide : il a déjà servi ou il a expiré. Demandez-en un nouveau."),
  tooManyRequests: (retryAfterSeconds: number) =>
    new AppError(
      'TOO_MANY_REQUESTS',
      `Trop de tentatives. Réessayez dans ${Math.ceil(retryAfterSeconds / 60)} minute${retryAfterSeconds > 60 ? 's' : ''}.`,
      undefined,
      { 'retry-after': String(retryAfterSeconds) },
    ),
  workflowUnavailable: () =>
    new AppError(
      'SERVICE_UNAVAILABLE',
      'Le service est momentanément indisponible. Votre saisie n’a pas été perdue : réessayez dans quelques instants.',
    ),
  databaseUnavailable: () =>
    new AppError('SERVICE_UNAVAILABLE', 'Le service est momentanément indisponible. Réessayez dans quelques instants.', undefined, {
      'retry-after': '5',
    }),
  idempotencyKeyReused: () =>
    new AppError(
      'IDEMPOTENCY_KEY_REUSED',
      'Cette clé Idempotency-Key a déjà servi pour une autre demande : envoyez chaque nouvelle action avec une nouvelle clé.',
      [{ field: 'headers.idempotency-key', code: 'REUSED', message: 'clé déjà utilisée avec un autre contenu' }],
    ),
  accountBeingErased: () => new AppError('ACCOUNT_BEING_ERASED', 'Ce compte est en cours de suppression, à la demande de son titulaire : il ne permet plus de se connecter.'),
  privacyNoticeChanged: () =>
    new AppError('PRIVACY_NOTICE_CHANGED', 'La notice d’information sur vos données personnelles a changé depuis l’affichage de ce formulaire : relisez-la, puis validez à nouveau.', [
      { field: 'body.privacyNoticeVersion', code: 'OUTDATED', message: 'notice modifiée depuis' },
    ]),
  erasureRefused: (dossiers: { title: string; status: string }[], officeEmails: string[]) =>
    new AppError(
      'ERASURE_REFUSED',
      `Votre compte ne peut pas être supprimé pour l’instant : ${dossiers.map((d) => `votre dossier « ${d.title} » est ${d.status.toLowerCase()}`).join(', ')}. ` +
        `L’école doit le conserver pour la sélection. Écrivez au service sélection${officeEmails.length ? ` (${[...new Set(officeEmails)].join(', ')})` : ''} : il traitera votre demande.`,
    ),
  invalidIdempotencyKey: () =>
    new AppError('VALIDATION_FAILED', "L'en-tête Idempotency-Key est invalide.", [
      { field: 'headers.idempotency-key', code: 'INVALID_FORMAT', message: '1 à 128 caractères parmi lettres, chiffres, « - », « _ », « . » et « : »' },
    ]),
};

/**
 * A refusal of the life cycle (from the workflow's validators, or judged from
 * the record when the workflow has ended) as the API's error. Its code is an
 * error code of the catalogue as is: the compiler checks that every refusal is one.
 */
export function refusalError(refusal: Refusal, details?: ErrorDetail[]): AppError {
  return new AppError(refusal.code, refusal.message, details);
}
