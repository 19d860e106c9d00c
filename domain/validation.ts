/**
 * How input rules speak to people: every message zod gives is French and
 * plain, and every refusal lists its causes in one shape, `ErrorDetail`. The
 * API's error handler and the workflow's validators both use this module, so
 * a form shows the same words whichever of them refused the input.
 *
 * Imported by workflow code (through domain/dossier.ts): deterministic, no Node API.
 */
import { z } from 'zod';

/** One cause of a refusal: where (a field path, when there is one), what rule (stable), and a French message. */
export interface ErrorDetail {
  /** Dotted path, e.g. "body.address.postalCode" or "documents.cv". */
  field?: string;
  /** Stable, for programs: "REQUIRED", "TOO_SHORT", "MISSING_ITEM"… */
  code: string;
  /** French, for people. */
  message: string;
  /** For a missing item: the dossier step that fixes it, and its entry (a diploma or an experience). */
  step?: string;
  entryId?: string;
}

/** Zod's issue codes as ours: the same vocabulary in every answer. */
const ISSUE_CODES: Record<string, string> = {
  invalid_type: 'INVALID_TYPE',
  invalid_value: 'INVALID_VALUE',
  invalid_format: 'INVALID_FORMAT',
  too_small: 'TOO_SMALL',
  too_big: 'TOO_BIG',
  unrecognized_keys: 'UNKNOWN_FIELD',
  invalid_union: 'INVALID_VALUE',
  custom: 'INVALID_VALUE',
};

type Issue = z.core.$ZodRawIssue;

function plural(count: number | bigint, one: string, many: string): string {
  return Number(count) > 1 ? many : one;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'un texte',
  number: 'un nombre',
  int: 'un nombre entier',
  boolean: 'vrai ou faux',
  array: 'une liste',
  object: 'un objet',
  date: 'une date',
};

/** Zod's default messages, in French for a person filling a form (our schemas give their own where a field needs one). */
function frenchMessage(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined || issue.input === null) return 'champ obligatoire';
      if (issue.expected === 'number' && typeof issue.input === 'number') return 'nombre attendu';
      return `valeur attendue : ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `valeur attendue : ${String(issue.values[0])}`
        : `valeur non reconnue : choisissez parmi ${issue.values.map((v) => `« ${String(v)} »`).join(', ')}`;
    case 'too_small':
      if (issue.origin === 'string') {
        return Number(issue.minimum) <= 1 ? 'champ obligatoire' : `au moins ${issue.minimum} caractères`;
      }
      if (issue.origin === 'array') return `au moins ${issue.minimum} ${plural(issue.minimum, 'élément', 'éléments')}`;
      return issue.inclusive ? `au moins ${issue.minimum}` : `supérieur à ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'string') return `au plus ${issue.maximum} caractères`;
      if (issue.origin === 'array') return `au plus ${issue.maximum} ${plural(issue.maximum, 'élément', 'éléments')}`;
      return issue.inclusive ? `au plus ${issue.maximum}` : `inférieur à ${issue.maximum}`;
    case 'invalid_format':
      switch (issue.format) {
        case 'email':
          return 'adresse e-mail invalide';
        case 'datetime':
          return 'date-heure attendue au format ISO 8601, par exemple 2027-03-01T12:00:00+01:00';
        case 'date':
          return 'date attendue au format AAAA-MM-JJ';
        case 'url':
          return 'adresse web invalide';
        default:
          return 'format invalide';
      }
    case 'unrecognized_keys':
      return `${plural(issue.keys.length, 'champ inconnu', 'champs inconnus')} : ${issue.keys.join(', ')}`;
    case 'not_multiple_of':
      return `multiple de ${issue.divisor} attendu`;
    default:
      return 'valeur invalide';
  }
}

// Applied once per process (API, worker) and once in the workflow sandbox, which shares this module between
// dossiers (worker/worker.ts).
z.config({ customError: (issue) => frenchMessage(issue) });
// zod completes its configuration (fallback messages, memoizer) when the first object schema is built: done here,
// so the configuration is whole before the workflow sandbox freezes it with this module.
z.object({});

/** Zod issues as our details; `prefix` names the part of the request ("body", "querystring"…). */
export function issuesToDetails(issues: readonly z.core.$ZodIssue[], prefix?: string): ErrorDetail[] {
  return issues.map((issue) => {
    const path = [...(prefix ? [prefix] : []), ...issue.path.map(String)].join('.');
    const missing = issue.code === 'invalid_type' && issue.message === 'champ obligatoire';
    return {
      ...(path ? { field: path } : {}),
      code: missing ? 'REQUIRED' : (ISSUE_CODES[issue.code] ?? 'INVALID_VALUE'),
      message: issue.message,
    };
  });
}
