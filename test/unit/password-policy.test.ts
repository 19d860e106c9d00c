import { describe, expect, it } from 'vitest';
import { judgePassword } from '../../domain/password-policy.js';

describe('password rule', () => {
  it('refuses a short password, saying how long it must be, in French', () => {
    const verdict = judgePassword('Xq7#pL2!');
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toContain('au moins 12 caractères (il en a 8)');
  });

  it('counts characters, not bytes, for accented passwords', () => {
    expect(judgePassword('éééééééééé').reason).toContain('(il en a 10)');
  });

  it('refuses a common password even when it is long enough', () => {
    const verdict = judgePassword('motdepasse123');
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toContain('trop facile à deviner');
  });

  it("refuses a password built on the person's own details", () => {
    const verdict = judgePassword('marie.curie1867', ['mcurie', 'marie.curie', 'Curie']);
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toBe('Le mot de passe ne doit pas reprendre votre identifiant, votre adresse e-mail ni votre nom.');
  });

  it('accepts a long passphrase without any composition rule', () => {
    expect(judgePassword('cheval agrafe pile correcte', ['mcurie']).ok).toBe(true);
  });

  it('refuses more than 128 characters', () => {
    expect(judgePassword('a b c d '.repeat(20)).ok).toBe(false);
  });
});
