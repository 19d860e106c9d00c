import { describe, expect, it } from 'vitest';
import { loadApiConfig } from '../../api/config.js';
import { ConfigError } from '../../config/env.js';
import { loadWorkerConfig, workflowHeapMb } from '../../worker/config.js';
import { ROTATED_KEY, TEST_PAYLOAD_KEYS } from '../support/payload-keys.js';

/** The one variable without a default. */
const keys = { TEMPORAL_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS };

describe('configuration', () => {
  it('runs on embedded defaults when the environment holds only the payload keys', () => {
    const config = loadApiConfig(keys);
    expect(config.TEMPORAL_ADDRESS).toBe('localhost:7233');
    expect(config.MONGODB_URI).toBe('mongodb://127.0.0.1:27017/candidature');
    expect(config.API_PORT).toBe(3000);
    expect(config.TEMPORAL_TASK_QUEUE).toBe('dossiers');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names every invalid variable in one error', () => {
    const attempt = () => loadWorkerConfig({ ...keys, MONGODB_URI: 'postgres://x', WORKER_MAX_CACHED_WORKFLOWS: '-1' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/MONGODB_URI[\s\S]*WORKER_MAX_CACHED_WORKFLOWS|WORKER_MAX_CACHED_WORKFLOWS[\s\S]*MONGODB_URI/);
  });

  it('sizes the workflow thread\'s heap for the cache unless told (or Node was), and refuses a heap too small to run', () => {
    expect(workflowHeapMb(loadWorkerConfig(keys), '')).toBe(256 + 1000 * 2);
    expect(workflowHeapMb(loadWorkerConfig({ ...keys, WORKER_MAX_CACHED_WORKFLOWS: '200' }), '')).toBe(656);
    expect(workflowHeapMb(loadWorkerConfig({ ...keys, WORKER_WORKFLOW_HEAP_MB: '900' }), '--max-old-space-size=3000')).toBe(900);
    // The operator's own Node flag is left alone.
    expect(workflowHeapMb(loadWorkerConfig(keys), '--enable-source-maps --max-old-space-size=3000')).toBeUndefined();
    expect(() => loadWorkerConfig({ ...keys, WORKER_WORKFLOW_HEAP_MB: '64' })).toThrow(/WORKER_WORKFLOW_HEAP_MB/);
  });

  it('trusts only named proxies, never every X-Forwarded-For', () => {
    expect(loadApiConfig(keys).TRUST_PROXY).toBe(false);
    expect(loadApiConfig({ ...keys, TRUST_PROXY: '10.0.0.0/8,loopback' }).TRUST_PROXY).toEqual(['10.0.0.0/8', 'loopback']);
    expect(() => loadApiConfig({ ...keys, TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY/);
  });

  it('coerces numeric variables from strings', () => {
    expect(loadApiConfig({ ...keys, API_PORT: '8080' }).API_PORT).toBe(8080);
    expect(() => loadApiConfig({ ...keys, API_PORT: 'eighty' })).toThrow(/API_PORT/);
  });

  it('refuses to start without payload keys, or with a malformed list, saying what is expected', () => {
    for (const load of [loadApiConfig, loadWorkerConfig]) {
      expect(() => load({})).toThrow(/TEMPORAL_PAYLOAD_KEYS: required: comma-separated "<key id>:<32 bytes in base64>"/);
    }
    expect(() => loadApiConfig({ TEMPORAL_PAYLOAD_KEYS: 'k1:c2hvcnQ=' })).toThrow(/TEMPORAL_PAYLOAD_KEYS: entry 1 is not/);
    expect(() => loadApiConfig({ TEMPORAL_PAYLOAD_KEYS: `${TEST_PAYLOAD_KEYS},nonsense` })).toThrow(/entry 2 is not/);
    expect(() => loadApiConfig({ TEMPORAL_PAYLOAD_KEYS: `${TEST_PAYLOAD_KEYS},${TEST_PAYLOAD_KEYS}` })).toThrow(/key id "test-key-1" is listed twice/);
    // The message never repeats a key.
    const message = (() => {
      try {
        loadApiConfig({ TEMPORAL_PAYLOAD_KEYS: `${TEST_PAYLOAD_KEYS},bad:AAAA` });
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toMatch(/entry 2 is not/);
    expect(message).not.toContain(TEST_PAYLOAD_KEYS.split(':')[1]);
  });

  it('reads the keys in order: the first one encrypts', () => {
    const { TEMPORAL_PAYLOAD_KEYS } = loadWorkerConfig({ TEMPORAL_PAYLOAD_KEYS: ` ${ROTATED_KEY} , ${TEST_PAYLOAD_KEYS}` });
    expect(TEMPORAL_PAYLOAD_KEYS.map((key) => [key.id, key.key.length])).toEqual([
      ['test-key-2', 32],
      ['test-key-1', 32],
    ]);
  });
});
