import { createHash } from 'node:crypto';
import { z } from 'zod';
import { payloadKeysEnv } from '../../config/env.js';
import { dataConverterOf } from '../../temporal/data-converter.js';

/** A fixed key for the tests' processes (and the recorded histories of test/replay): test data, never a deployment's. */
const testKey = (name: string) => `${name}:${createHash('sha256').update(`candidature ${name}`).digest('base64')}`;

/** TEMPORAL_PAYLOAD_KEYS as the tests' API, worker and child processes get it. */
export const TEST_PAYLOAD_KEYS = testKey('test-key-1');
/** A second key, for rotation: `${ROTATED_KEY},${TEST_PAYLOAD_KEYS}` seals with the new one and still opens the old. */
export const ROTATED_KEY = testKey('test-key-2');

export const payloadKeysOf = (value: string) => z.object(payloadKeysEnv).parse({ TEMPORAL_PAYLOAD_KEYS: value }).TEMPORAL_PAYLOAD_KEYS;
export const testPayloadKeys = payloadKeysOf(TEST_PAYLOAD_KEYS);
/** The tests' clients and workers: encrypted with the test key. */
export const testDataConverter = dataConverterOf(testPayloadKeys);
