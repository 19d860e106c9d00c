import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, type ErrorBody, errors } from './errors.js';
import { isDatabaseUnavailable } from '../db/availability.js';
import { isTemporalUnavailable } from './services/temporal-calls.js';

/**
 * The one place that turns errors into responses. Validation errors become 400
 * with field paths; Fastify's own 4xx keep their status; anything else is a
 * 500 whose text is logged, never sent.
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
    let body: ErrorBody;
    if (error instanceof AppError) {
      void reply.headers(error.headers);
      body = { statusCode: error.statusCode, code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) };
    } else if (isTemporalUnavailable(error)) {
      const unavailable = errors.workflowUnavailable();
      body = { statusCode: unavailable.statusCode, code: unavailable.code, message: unavailable.message };
    } else if (isDatabaseUnavailable(error)) {
      const unavailable = errors.databaseUnavailable();
      void reply.headers(unavailable.headers);
      request.log.warn({ err: error }, 'database unavailable');
      body = { statusCode: unavailable.statusCode, code: unavailable.code, message: unavailable.message };
    } else if (hasZodFastifySchemaValidationErrors(error)) {
      body = {
        statusCode: 400,
        code: 'VALIDATION_FAILED',
        message: 'La requête contient des données invalides.',
        details: error.validation.map((issue) => ({
          field: [error.validationContext, ...String(issue.instancePath).split('/').filter(Boolean)].join('.'),
          message: issue.message,
        })),
      };
    } else if (isClientError(error)) {
      body = { statusCode: error.statusCode, code: clientErrorCode(error), message: clientErrorMessage(error) };
    } else {
      request.log.error({ err: error }, 'unhandled error');
      body = { statusCode: 500, code: 'INTERNAL_ERROR', message: 'Une erreur interne est survenue. Réessayez plus tard.' };
    }
    return reply.code(body.statusCode).send(body);
  });
}

function isClientError(error: unknown): error is FastifyError & { statusCode: number } {
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 500;
}

function clientErrorCode(error: FastifyError & { statusCode: number }): string {
  switch (error.statusCode) {
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 404:
      return 'NOT_FOUND';
    case 429:
      return 'TOO_MANY_REQUESTS';
    default:
      return 'BAD_REQUEST';
  }
}

function clientErrorMessage(error: FastifyError & { statusCode: number }): string {
  switch (error.statusCode) {
    case 413:
      return 'Le contenu envoyé est trop volumineux.';
    case 415:
      return "Ce type de contenu n'est pas accepté.";
    case 429:
      return 'Trop de requêtes : réessayez dans quelques instants.';
    default:
      return 'La requête est invalide.';
  }
}
