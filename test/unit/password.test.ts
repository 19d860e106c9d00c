import { type Algorithm, hash } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import { hashPassword, passwordDecoyHash, verifyPassword } from '../../domain/password.js';

describe('password hashing', () => {
  it('stores argon2id with m=19 MiB, t=2, p=1 inside the hash', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
  });

  it('accepts the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('Un mot de passe très long');
    expect(await verifyPassword('Un mot de passe très long', stored)).toEqual({ valid: true, needsRehash: false });
    expect((await verifyPassword('un mot de passe très long', stored)).valid).toBe(false);
  });

  it('treats the composed and decomposed forms of an accented password alike', async () => {
    const stored = await hashPassword('Été à Clermont-Ferrand'.normalize('NFD'));
    expect((await verifyPassword('Été à Clermont-Ferrand'.normalize('NFC'), stored)).valid).toBe(true);
  });

  it('salts each hash', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'));
  });

  it('flags a valid hash made with weaker parameters for upgrade', async () => {
    const weaker = await hash('pw', { algorithm: 2 as Algorithm.Argon2id, memoryCost: 8192, timeCost: 1, parallelism: 1 });
    expect(await verifyPassword('pw', weaker)).toEqual({ valid: true, needsRehash: true });
  });

  it('refuses a malformed stored hash without throwing', async () => {
    expect(await verifyPassword('pw', 'plaintext')).toEqual({ valid: false, needsRehash: false });
    expect(await verifyPassword('pw', '$argon2id$v=19$m=19456,t=2,p=1$garbage')).toEqual({ valid: false, needsRehash: false });
  });

  it('has a decoy hash that no password matches', async () => {
    expect((await verifyPassword('', await passwordDecoyHash())).valid).toBe(false);
  });
});
