/**
 * Encrypts every payload Temporal stores or carries (workflow inputs, Update
 * arguments, activity inputs and results, query answers, failure messages):
 * the Temporal server, its database and the Web UI see only ciphertext.
 *
 * AES-256-GCM; each payload names the key that sealed it, so keys rotate
 * without downtime: the first key encrypts, every listed key decrypts. A
 * payload without our encoding (written before encryption was turned on) is
 * read as it is.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec, ValueError } from '@temporalio/common';
// The package is CommonJS: Node's ESM loader offers its exports on the default import only.
import proto from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface PayloadKey {
  /** Named in every payload it seals: never reuse an id for another key. */
  id: string;
  /** 32 bytes. */
  key: Buffer;
}

const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array | null | undefined) => (bytes ? new TextDecoder().decode(bytes) : undefined);

export class PayloadEncryptionCodec implements PayloadCodec {
  private readonly encrypting: PayloadKey;
  private readonly byId: ReadonlyMap<string, Buffer>;

  constructor(keys: readonly PayloadKey[]) {
    if (keys.length === 0) throw new ValueError('at least one payload key is needed');
    for (const { id, key } of keys) if (key.length !== 32) throw new ValueError(`payload key "${id}" must be 32 bytes, not ${key.length}`);
    this.encrypting = keys[0]!;
    this.byId = new Map(keys.map(({ id, key }) => [id, key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      // `undefined` and `null` (what most steps' activities and Updates answer) hold nothing to hide.
      if (text(payload.metadata?.[METADATA_ENCODING_KEY]) === 'binary/null') return payload;
      const { id, key } = this.encrypting;
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(CIPHER, key, iv);
      // The key id is authenticated too: a payload relabelled with another id does not open.
      cipher.setAAD(utf8(id));
      const sealed = Buffer.concat([iv, cipher.update(proto.temporal.api.common.v1.Payload.encode(payload).finish()), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { [METADATA_ENCODING_KEY]: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(id) }, data: sealed };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (text(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCRYPTED_ENCODING) return payload;
      const id = text(payload.metadata?.[KEY_ID_METADATA]) ?? '';
      const key = this.byId.get(id);
      if (!key) throw new ValueError(`payload sealed with key "${id}", which is not among the configured payload keys`);
      const sealed = Buffer.from(payload.data ?? new Uint8Array());
      if (sealed.length < IV_BYTES + TAG_BYTES) throw new ValueError('encrypted payload too short');
      const decipher = createDecipheriv(CIPHER, key, sealed.subarray(0, IV_BYTES));
      decipher.setAAD(utf8(id));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
      return proto.temporal.api.common.v1.Payload.decode(plain);
    });
  }
}
