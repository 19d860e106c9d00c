/**
 * The one data converter of every Temporal client and worker (API, worker,
 * replay tests, tools that read histories): payloads encrypted by the codec,
 * failure messages encoded so they are encrypted too.
 */
import type { DataConverter } from '@temporalio/common';
import { fileURLToPath } from 'node:url';
import type { PayloadEncryptionConfig } from '../config/env.js';
import { type PayloadKey, PayloadEncryptionCodec } from './payload-codec.js';

export const failureConverterPath = fileURLToPath(new URL('./failure-converter.cjs', import.meta.url));

export function dataConverterOf(keys: readonly PayloadKey[]): DataConverter {
  return { payloadCodecs: [new PayloadEncryptionCodec(keys)], failureConverterPath };
}

/** The converter a process's configuration asks for; says so on stderr when encryption is off. */
export function configuredDataConverter(config: PayloadEncryptionConfig): DataConverter {
  if (config.TEMPORAL_PAYLOAD_ENCRYPTION === 'on') return dataConverterOf(config.TEMPORAL_PAYLOAD_KEYS);
  console.warn('TEMPORAL_PAYLOAD_ENCRYPTION=off: payloads reach the Temporal server in clear (for measurements only)');
  return {};
}
