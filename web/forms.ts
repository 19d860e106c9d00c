/**
 * Forms as pages post them: flat fields (`address.city`) made into the
 * objects the API's schemas read, and the API's refusals made into what a
 * form shows — a message by field, and a summary linking to each field.
 */
import type { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../api/errors.js';
import { claimIdempotencyKey, idempotencyKeyOf } from '../api/idempotency.js';
import type { Models } from '../db/models.js';
import { errorBodyOf } from '../api/error-handler.js';
import { type ErrorDetail, issuesToDetails } from '../domain/validation.js';
import { LABELS } from './labels.js';

export type FormValues = Record<string, string>;

/** A page's refusal: the summary's title and items, and the message of each field. */
export interface Problem {
  message: string;
  items: { text: string; href?: string }[];
  fields: Record<string, string>;
  statusCode: number;
  code: string;
  /** The answer's own headers (Retry-After on a 429…). */
  headers?: Record<string, string>;
  /** The form the problem is about, when a page has several (an upload's, say). */
  target?: string;
}

/** The posted fields, each a string (a repeated field keeps its last value). */
export function formValues(body: unknown): FormValues {
  const values: FormValues = {};
  for (const [key, value] of Object.entries((body ?? {}) as Record<string, unknown>)) {
    values[key] = Array.isArray(value) ? String(value.at(-1) ?? '') : String(value ?? '');
  }
  return values;
}

/**
 * `{ 'address.city': 'Vichy' }` → `{ address: { city: 'Vichy' } }`. Empty
 * fields are left out (absent, as an API client would send them); the
 * objects they belong to are kept, so each missing field is named on its own.
 */
export function nested(values: FormValues, keep: readonly string[]): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const name of keep) {
    const path = name.split('.');
    let target = result;
    for (const part of path.slice(0, -1)) target = (target[part] ??= {}) as Record<string, unknown>;
    const value = values[name]?.trim();
    if (value !== undefined && value !== '') target[path.at(-1)!] = value;
  }
  return result;
}

/** The form field a detail names: its path without the request part ("body.address.city" → "address.city"). */
export function fieldOf(detail: ErrorDetail): string | undefined {
  return detail.field?.replace(/^(body|querystring|params)\.?/, '') || undefined;
}

/** The id the field partial gives a field (several forms of a page tell theirs apart by a prefix). */
export const fieldId = (name: string, prefix?: string) => `champ-${prefix ? `${prefix}-` : ''}${name.replace(/[^a-zA-Z0-9]+/g, '-')}`;

/**
 * Any error as a form's problem, or undefined for one that is not the
 * user's to fix (rethrown: the page's error handler answers it).
 * `linkOf` links an item to the screen that fixes it (a missing document, say).
 */
export function problemOf(
  error: unknown,
  options: {
    fields?: readonly string[];
    labels?: Readonly<Record<string, string>>;
    idPrefix?: string;
    linkOf?: (detail: ErrorDetail) => string | undefined;
    /** The form the problem is about: its items link to it. */
    target?: string;
  } = {},
): Problem | undefined {
  const body = errorBodyOf(error);
  // A 503 is shown on the form too: what was typed stays, and the person tries again in a moment.
  if (!(error instanceof AppError) && body.statusCode !== 503) return undefined;
  if (body.statusCode >= 500 && body.statusCode !== 503) return undefined;
  const fields: Record<string, string> = {};
  const items: Problem['items'] = [];
  for (const detail of body.details ?? []) {
    const field = fieldOf(detail);
    const linked = options.linkOf?.(detail);
    if (field && (!options.fields || options.fields.includes(field))) {
      fields[field] ??= detail.message;
      // The summary names the field; beside the field, its message is enough.
      const label = (options.labels ?? LABELS)[field as keyof typeof LABELS];
      items.push({ text: label ? `${label} : ${detail.message}` : detail.message, href: `#${fieldId(field, options.idPrefix)}` });
    } else {
      const href = linked ?? (options.target ? `#${options.target}` : undefined);
      items.push({ text: detail.message, ...(href ? { href } : {}) });
    }
  }
  if (items.length === 0 && options.target) items.push({ text: 'Aller au formulaire concerné', href: `#${options.target}` });
  return {
    message: body.message,
    items,
    fields,
    statusCode: body.statusCode,
    code: body.code,
    ...(error instanceof AppError && Object.keys(error.headers).length > 0 ? { headers: error.headers } : {}),
    ...(options.target ? { target: options.target } : {}),
  };
}

/** Checks a form's input with the API's own schema: its data, or the same 400 the API would answer. */
export function parseForm<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new AppError('VALIDATION_FAILED', 'Le formulaire contient des erreurs : corrigez les champs signalés.', issuesToDetails(result.error.issues, 'body'));
}

/** What a page tells after an action, carried by the address it sends the person to (`?message=…`). */
export const NOTICES = {
  'compte-cree': 'Votre compte est créé et vous êtes connecté(e). Un e-mail vous a été envoyé pour confirmer votre adresse.',
  deconnecte: 'Vous êtes déconnecté(e).',
  'lien-envoye': 'Un nouveau lien de confirmation vous a été envoyé.',
  'mot-de-passe-modifie': 'Votre mot de passe est modifié. Vos autres sessions ont été fermées.',
  'adresse-demandee': 'Un lien de confirmation a été envoyé à la nouvelle adresse. Elle remplacera l’ancienne une fois confirmée.',
  enregistre: 'Votre saisie est enregistrée.',
  'fichier-enregistre': 'Le fichier est enregistré.',
  supprime: "L'entrée est supprimée.",
  retire: 'Votre dossier est retiré.',
  'examen-enregistre': "L'examen de la pièce est enregistré.",
  'decision-enregistree': 'La décision est enregistrée ; le candidat en est informé par e-mail.',
  'date-limite-modifiee': 'La date limite du candidat est repoussée.',
  'cloture-modifiee': 'La date de clôture est repoussée ; chaque dossier en cours la reçoit (suivi ci-dessous).',
  'selection-creee': 'La sélection est créée. Ajoutez-y ses documents téléchargeables.',
  'selection-modifiee': 'La sélection est modifiée.',
  'document-ajoute': 'Le document téléchargeable est enregistré.',
  'suppression-demandee': 'Un e-mail vient de vous être envoyé : ouvrez son lien dans l’heure pour confirmer la suppression de votre compte.',
} as const;
export type NoticeKey = keyof typeof NOTICES;

export function noticeOf(query: unknown): string | undefined {
  const key = (query as { message?: string } | undefined)?.message;
  return key && key in NOTICES ? NOTICES[key as NoticeKey] : undefined;
}

/**
 * Where to go after logging in (`suite`), if it is a page of this site: the
 * address is resolved as a browser would (which drops tabs and newlines, and
 * reads "\\" as "/"), and kept only if it stays on this site.
 */
export function loginNextOf(source: unknown): string | undefined {
  const next = (source as { suite?: unknown } | undefined)?.suite;
  if (typeof next !== 'string' || !next.startsWith('/')) return undefined;
  const base = 'http://site.invalid';
  try {
    const url = new URL(next, base);
    return url.origin === base && !/[\u0000-\u001f\\]/.test(next) ? `${url.pathname}${url.search}${url.hash}` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The form's key (`?cle=`, a new one each time a screen is shown) as the
 * Update id: the same form sent twice lands once. A page kept open and sent
 * again with other content (after « Précédent », say) is a new action, not a 422.
 * The candidates' pages and the office's console alike.
 */
export async function pageUpdateId(models: Pick<Models, 'IdempotencyKey'>, request: FastifyRequest, fingerprint: string): Promise<string | undefined> {
  try {
    return await claimIdempotencyKey(models, idempotencyKeyOf(request, (request.query as { cle?: string }).cle), fingerprint);
  } catch (error) {
    if (error instanceof AppError && error.code === 'IDEMPOTENCY_KEY_REUSED') return undefined;
    throw error;
  }
}
