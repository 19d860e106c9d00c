import { type Algorithm, hash, verify } from '@node-rs/argon2';

/**
 * Password hashing with argon2id at OWASP's recommended minimum (m=19 MiB,
 * t=2, p=1). The PHC string keeps the parameters beside the hash, so they can
 * be raised later and old hashes recognised and upgraded at the next log-in.
 * argon2id rather than scrypt: 19 MiB per hash instead of 128 MiB, which
 * matters when hundreds of candidates log in before a closing date.
 */
// The package's const enum cannot be imported under isolated modules; 2 is its Argon2id.
const ARGON2ID = 2 as Algorithm.Argon2id;

export const ARGON2_PARAMS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export async function hashPassword(password: string): Promise<string> {
  return hash(password.normalize('NFC'), { algorithm: ARGON2ID, ...ARGON2_PARAMS });
}

const PHC_PARAMS = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/;

export interface PasswordCheck {
  valid: boolean;
  /** True when the stored hash uses weaker parameters than today's. */
  needsRehash: boolean;
}

export async function verifyPassword(password: string, stored: string): Promise<PasswordCheck> {
  const params = PHC_PARAMS.exec(stored);
  if (!params) return { valid: false, needsRehash: false };
  const valid = await verify(stored, password.normalize('NFC')).catch(() => false);
  const [, m, t, p] = params.map(Number);
  const needsRehash = m! < ARGON2_PARAMS.memoryCost || t! < ARGON2_PARAMS.timeCost || p! < ARGON2_PARAMS.parallelism;
  return { valid, needsRehash };
}

/**
 * A hash of nothing anyone knows, checked when the account does not exist, so
 * a log-in with an unknown identifier costs the same time as a wrong password.
 */
let decoyHash: Promise<string> | undefined;
export function passwordDecoyHash(): Promise<string> {
  decoyHash ??= hashPassword(`decoy-${Math.random()}-${Date.now()}`);
  return decoyHash;
}
