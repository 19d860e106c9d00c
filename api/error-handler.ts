import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isDatabaseUnavailable } from '../db/availability.js';
import { type ErrorDetail, issuesToDetails } from '../domain/validation.js';
import { AppError, type ErrorBody, type ErrorCode, errors } from './errors.js';
import { isTemporalUnavailable } from './services/temporal-calls.js';

/**
 * The one place that turns errors into answers, `{ statusCode, code, message,
 * details? }`. Validation errors become 400 with a French message per field;
 * Fastify's own 4xx keep their status with a French message; anything else is
 * a 500 whose text is logged, never sent.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => {
    const body: ErrorBody = {
      statusCode: 404,
      code: 'ROUTE_NOT_FOUND',
      message: `Aucune ressource à l'adresse ${request.method} ${request.url.split('?')[0]}.`,
    };
    return reply.code(404).send(body);
  });

  app.setErrorHandler((error: FastifyError | AppError | Error, request, reply) => {
    const body = errorBodyOf(error, (entry) => request.log.error({ err: entry }, 'unhandled error'));
    if (error instanceof AppError) void reply.headers(error.headers);
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: error }, 'database unavailable');
      void reply.headers(errors.databaseUnavailable().headers);
    }
    return reply.code(body.statusCode).send(body);
  });
}

/** Any error as the answer's body (for the JSON API and the pages alike). */
export function errorBodyOf(error: unknown, logUnexpected: (error: unknown) => void = () => {}): ErrorBody {
  const fromAppError = (appError: AppError): ErrorBody => ({
    statusCode: appError.statusCode,
    code: appError.code,
    message: appError.message,
    ...(appError.details === undefined ? {} : { details: appError.details }),
  });
  if (error instanceof AppError) return fromAppError(error);
  if (isTemporalUnavailable(error)) return fromAppError(errors.workflowUnavailable());
  if (isDatabaseUnavailable(error)) return fromAppError(errors.databaseUnavailable());
  if (hasZodFastifySchemaValidationErrors(error)) {
    const details: ErrorDetail[] = issuesToDetails(
      error.validation.map((issue) => ({
        code: issue.keyword,
        message: issue.message ?? 'valeur invalide',
        path: String(issue.instancePath).split('/').filter(Boolean),
        ...(issue.params as object),
      })) as Parameters<typeof issuesToDetails>[0],
      error.validationContext,
    );
    return { statusCode: 400, code: 'VALIDATION_FAILED', message: 'La requête contient des données invalides : corrigez les champs signalés.', details };
  }
  if (isClientError(error)) return clientErrorBody(error);
  logUnexpected(error);
  return { statusCode: 500, code: 'INTERNAL_ERROR', message: 'Une erreur interne est survenue. Réessayez plus tard.' };
}

function isClientError(error: unknown): error is FastifyError & { statusCode: number } {
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/** Fastify's and its plugins' own refusals (a body that is not JSON, a wrong media type…), in French. */
function clientErrorBody(error: FastifyError & { statusCode: number }): ErrorBody {
  const known: Record<number, { code: ErrorCode; message: string }> = {
    404: { code: 'NOT_FOUND', message: "Cette ressource n'existe pas." },
    413: { code: 'PAYLOAD_TOO_LARGE', message: 'Le contenu envoyé est trop volumineux.' },
    415: { code: 'UNSUPPORTED_MEDIA_TYPE', message: "Ce type de contenu n'est pas accepté : envoyez du JSON (application/json), ou un fichier en multipart/form-data." },
    429: { code: 'TOO_MANY_REQUESTS', message: 'Trop de requêtes : réessayez dans quelques instants.' },
  };
  const { code, message } = known[error.statusCode] ?? {
    code: 'BAD_REQUEST' as const,
    message: error instanceof SyntaxError ? "Le corps de la requête n'est pas du JSON valide." : 'La requête est invalide.',
  };
  return { statusCode: error.statusCode, code, message };
}
