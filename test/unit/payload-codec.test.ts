import { defaultPayloadConverter, METADATA_ENCODING_KEY } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { KEY_ID_METADATA, PayloadEncryptionCodec } from '../../temporal/payload-codec.js';
import { payloadKeysOf, ROTATED_KEY, TEST_PAYLOAD_KEYS } from '../support/payload-keys.js';

const text = (bytes: Uint8Array | null | undefined) => new TextDecoder().decode(bytes ?? new Uint8Array());
const dossierStep = { lastName: 'Zyxwvutsrq', birthDate: '1999-04-17', address: '12 rue des Tilleuls' };

describe('payload encryption codec', () => {
  const current = new PayloadEncryptionCodec(payloadKeysOf(TEST_PAYLOAD_KEYS));
  const rotated = new PayloadEncryptionCodec(payloadKeysOf(`${ROTATED_KEY},${TEST_PAYLOAD_KEYS}`));
  const payload = defaultPayloadConverter.toPayload(dossierStep);

  it('seals a payload so that nothing of it reads in clear, naming the key, and opens it again', async () => {
    const [sealed] = await current.encode([payload]);
    expect(text(sealed!.metadata![METADATA_ENCODING_KEY])).toBe('binary/encrypted');
    expect(text(sealed!.metadata![KEY_ID_METADATA])).toBe('test-key-1');
    const bytes = Buffer.from(sealed!.data!);
    for (const value of ['Zyxwvutsrq', '1999-04-17', 'Tilleuls', 'json/plain']) expect(bytes.includes(value)).toBe(false);
    const [opened] = await current.decode([sealed!]);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual(dossierStep);
  });

  it('never seals the same payload twice the same way (a fresh IV each time)', async () => {
    const [a, b] = await current.encode([payload, payload]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('rotates keys: the first key seals, older keys still open what they sealed', async () => {
    const [old] = await current.encode([payload]);
    const [fresh] = await rotated.encode([payload]);
    expect(text(fresh!.metadata![KEY_ID_METADATA])).toBe('test-key-2');
    const opened = await rotated.decode([old!, fresh!]);
    expect(opened.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([dossierStep, dossierStep]);
    // A process that does not know the new key says which key it lacks.
    await expect(current.decode([fresh!])).rejects.toThrow(/key "test-key-2", which is not among the configured payload keys/);
  });

  it('refuses a payload altered or relabelled with another key id', async () => {
    const [sealed] = await rotated.encode([payload]);
    const flipped = Buffer.from(sealed!.data!);
    flipped[20]! ^= 1;
    await expect(rotated.decode([{ ...sealed!, data: flipped }])).rejects.toThrow();
    const relabelled = { ...sealed!, metadata: { ...sealed!.metadata, [KEY_ID_METADATA]: new TextEncoder().encode('test-key-1') } };
    await expect(rotated.decode([relabelled])).rejects.toThrow();
  });

  it('reads payloads written before encryption as they are', async () => {
    expect(await current.decode([payload])).toEqual([payload]);
  });
});
