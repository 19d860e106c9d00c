import { describe, expect, it } from 'vitest';
import { messageIdFor } from '../../mail/transport.js';

describe('Message-ID of an e-mail', () => {
  it('is the same for every attempt at one message, different for another, in the sender’s domain', () => {
    const from = 'ITSRA Service sélection <selection@itsra.example>';
    const first = messageIdFor('dossier:s:c:submitted:4', from);
    expect(messageIdFor('dossier:s:c:submitted:4', from)).toBe(first);
    expect(messageIdFor('dossier:s:c:validated', from)).not.toBe(first);
    expect(first).toMatch(/^<[0-9a-f]{40}@itsra\.example>$/);
    expect(messageIdFor('k', 'no address')).toMatch(/@candidature\.invalid>$/);
  });
});
