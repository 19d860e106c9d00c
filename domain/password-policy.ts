import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as commonPackage from '@zxcvbn-ts/language-common';
import * as frenchPackage from '@zxcvbn-ts/language-fr';

/**
 * The password rule, after OWASP ASVS and the CNIL's 2022 recommendation:
 * length first (12 to 128 characters, any character allowed, no composition
 * rule), then a check against lists of common passwords and French words,
 * names and the person's own details, through zxcvbn's strength estimate.
 */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;
/** zxcvbn's score 3: "safely unguessable", about 10^8 guesses or more. */
const MIN_SCORE = 3;

let estimator: ZxcvbnFactory | undefined;
function strength(): ZxcvbnFactory {
  // Built on first use: the dictionaries take a moment to load.
  estimator ??= new ZxcvbnFactory({
    dictionary: { ...commonPackage.dictionary, ...frenchPackage.dictionary },
    graphs: commonPackage.adjacencyGraphs,
    translations: frenchPackage.translations,
  });
  return estimator;
}

export interface PasswordVerdict {
  ok: boolean;
  /** French explanation for the person, when refused. */
  reason?: string;
  suggestions: string[];
}

/**
 * `personal`: the identifier, the e-mail's local part and the last name are
 * refused inside the password outright; zxcvbn also weighs them (and any other
 * value given) as guessable words.
 */
export function judgePassword(password: string, personal: string[] = []): PasswordVerdict {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) {
    return {
      ok: false,
      reason: `Le mot de passe doit comporter au moins ${PASSWORD_MIN_LENGTH} caractères (il en a ${length}). Une phrase de plusieurs mots est facile à retenir et difficile à deviner.`,
      suggestions: [],
    };
  }
  if (length > PASSWORD_MAX_LENGTH) {
    return { ok: false, reason: `Le mot de passe doit comporter au plus ${PASSWORD_MAX_LENGTH} caractères.`, suggestions: [] };
  }
  const lowered = password.toLocaleLowerCase('fr');
  if (personal.some((value) => value.length >= 4 && lowered.includes(value.toLocaleLowerCase('fr')))) {
    return {
      ok: false,
      reason: 'Le mot de passe ne doit pas reprendre votre identifiant, votre adresse e-mail ni votre nom.',
      suggestions: [],
    };
  }
  const inputs = personal.flatMap((value) => [value, ...value.split(/[@.\s_-]+/)]).filter((value) => value.length >= 3);
  const result = strength().check(password, inputs);
  if (result.score < MIN_SCORE) {
    return {
      ok: false,
      reason:
        'Ce mot de passe est trop facile à deviner : il figure parmi les mots de passe courants ou reprend des mots, des noms ou vos informations personnelles. Choisissez-en un autre.',
      suggestions: [result.feedback.warning, ...result.feedback.suggestions].filter((text): text is string => Boolean(text)),
    };
  }
  return { ok: true, suggestions: [] };
}
