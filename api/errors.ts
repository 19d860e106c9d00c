/**
 * The one application error type. Every error the API answers with has this
 * JSON shape: { statusCode, code, message, details? }, the HTTP status equal to
 * statusCode. `code` is stable for programs; `message` is French for people.
 */
export const errorCodes = {
  VALIDATION_FAILED: 400,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  SELECTION_NOT_FOUND: 404,
  DOSSIER_NOT_FOUND: 404,
  SELECTION_NOT_OPEN: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
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
    readonly details?: unknown,
  ) {
    super(message);
    this.statusCode = errorCodes[code];
  }
}

export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  details?: unknown;
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
  workflowUnavailable: () =>
    new AppError(
      'SERVICE_UNAVAILABLE',
      'Le service est momentanément indisponible. Votre saisie n’a pas été perdue : réessayez dans quelques instants.',
    ),
};
