import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../domain/password.js';

describe('password hashing', () => {
  it('stores scrypt parameters N=2^17, r=8, p=1 inside the hash', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  });

  it('accepts the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('Un mot de passe très long');
    expect(await verifyPassword('Un mot de passe très long', hash)).toEqual({ valid: true, needsRehash: false });
    expect((await verifyPassword('un mot de passe très long', hash)).valid).toBe(false);
  });

  it('salts each hash', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'));
  });

  it('flags a hash made with weaker parameters for upgrade', async () => {
    const stronger = await hashPassword('pw');
    const weaker = stronger.replace('ln=17', 'ln=14');
    // Different cost, so the derived key differs: invalid, but recognised as old.
    expect((await verifyPassword('pw', weaker)).needsRehash).toBe(true);
  });

  it('refuses a malformed stored hash without throwing', async () => {
    expect(await verifyPassword('pw', 'plaintext')).toEqual({ valid: false, needsRehash: false });
  });
});
