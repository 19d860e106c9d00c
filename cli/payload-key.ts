/**
 * `npm run payload-key`: prints a new payload key for TEMPORAL_PAYLOAD_KEYS.
 * To rotate, put it first in the list and keep the old ones after it: new
 * payloads are sealed with it, older ones still open (docs/DATA-PROTECTION.md).
 */
import { newPayloadKeyEntry } from '../temporal/keys.js';

console.log(newPayloadKeyEntry());
