import { z } from 'zod';
import { DOSSIER_STATUSES } from '../workflows/dossier/contract.js';

/** Shapes shared by several routes; each route keeps its own request schema. */

export const errorSchema = z
  .object({
    statusCode: z.number().int(),
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  })
  .meta({ id: 'Error' });

/** An identifier in a URL: a slug or a workflow id, nothing that could be a query operator. */
export const idSchema = z.string().regex(/^[A-Za-z0-9:_-]{1,128}$/, 'identifiant invalide');

export const dossierStatusSchema = z.enum(DOSSIER_STATUSES);

/** "dossier:<selectionId>:<candidateId>", as built by dossierWorkflowId; nothing else is a dossier. */
export const dossierIdSchema = z.string().regex(/^dossier:[A-Za-z0-9_-]{1,64}:[A-Za-z0-9_-]{1,64}$/, 'identifiant de dossier invalide');

/** OpenAPI security of routes that need a session: the cookie or a bearer token. */
export const sessionSecurity: { [scheme: string]: string[] }[] = [{ sessionCookie: [] }, { bearer: [] }];
