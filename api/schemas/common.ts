/** Shapes every resource's routes share: the error, identifiers, security. */
import { z } from 'zod';
import { errorCodes } from '../errors.js';

export const errorDetailSchema = z
  .object({
    field: z.string().optional().describe('Where: a dotted path such as "body.address.postalCode", or the dossier item ("documents.cv").'),
    code: z.string().describe('What rule, stable: REQUIRED, TOO_SMALL, INVALID_FORMAT, MISSING_ITEM…'),
    message: z.string().describe('French, for people: show it next to the field.'),
    step: z.string().optional().describe('For a missing item: the dossier step whose screen fixes it.'),
    entryId: z.string().optional().describe('For a missing item: the diploma or experience entry concerned.'),
  })
  .meta({ id: 'ErrorDetail' });

export const errorSchema = z
  .object({
    statusCode: z.number().int(),
    code: z.enum(Object.keys(errorCodes) as [keyof typeof errorCodes, ...(keyof typeof errorCodes)[]]).describe('Stable, for programs.'),
    message: z.string().describe('French, for people.'),
    details: z.array(errorDetailSchema).optional(),
  })
  .meta({ id: 'Error', description: 'Every error answer: `statusCode` equals the HTTP status.' });

/** An identifier in a URL: a slug or a workflow id, nothing that could be a query operator. */
export const idSchema = z.string().regex(/^[A-Za-z0-9:_-]{1,128}$/, 'identifiant invalide : lettres sans accent, chiffres, « - », « _ » et « : » seulement');

/** "dossier:<selectionId>:<candidateId>", as built by dossierWorkflowId; nothing else is a dossier. */
export const dossierIdSchema = z.string().regex(/^dossier:[A-Za-z0-9_-]{1,64}:[A-Za-z0-9_-]{1,64}$/, 'identifiant de dossier invalide');

export const fileIdSchema = z.string().regex(/^[a-f0-9]{24}$/, 'identifiant de fichier invalide');

/** OpenAPI security of routes that need a session: the cookie or a bearer token. */
export const sessionSecurity: { [scheme: string]: string[] }[] = [{ sessionCookie: [] }, { bearer: [] }];

type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503;

/** The error answers a route can give, each with the one error shape. */
export function errorResponses<S extends ErrorStatus>(...statuses: S[]): Record<S, typeof errorSchema> {
  return Object.fromEntries(statuses.map((status) => [status, errorSchema])) as Record<S, typeof errorSchema>;
}

/** A file answer: its media types, for the OpenAPI document (the handler streams the bytes). */
export function fileResponse(description: string, mediaTypes: string[]) {
  const bytes = z.string().meta({ format: 'binary' });
  return { description, content: Object.fromEntries(mediaTypes.map((type) => [type, { schema: bytes }])) };
}
