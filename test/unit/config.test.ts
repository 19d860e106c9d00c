import { describe, expect, it } from 'vitest';
import { loadApiConfig } from '../../api/config.js';
import { ConfigError } from '../../config/env.js';
import { loadWorkerConfig } from '../../worker/config.js';

describe('configuration', () => {
  it('runs on embedded defaults when the environment is empty', () => {
    const config = loadApiConfig({});
    expect(config.TEMPORAL_ADDRESS).toBe('localhost:7233');
    expect(config.MONGODB_URI).toBe('mongodb://127.0.0.1:27017/candidature');
    expect(config.API_PORT).toBe(3000);
    expect(config.TEMPORAL_TASK_QUEUE).toBe('dossiers');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names every invalid variable in one error', () => {
    const attempt = () => loadWorkerConfig({ MONGODB_URI: 'postgres://x', WORKER_MAX_CACHED_WORKFLOWS: '-1' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/MONGODB_URI[\s\S]*WORKER_MAX_CACHED_WORKFLOWS|WORKER_MAX_CACHED_WORKFLOWS[\s\S]*MONGODB_URI/);
  });

  it('trusts only named proxies, never every X-Forwarded-For', () => {
    expect(loadApiConfig({}).TRUST_PROXY).toBe(false);
    expect(loadApiConfig({ TRUST_PROXY: '10.0.0.0/8,loopback' }).TRUST_PROXY).toEqual(['10.0.0.0/8', 'loopback']);
    expect(() => loadApiConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY/);
  });

  it('coerces numeric variables from strings', () => {
    expect(loadApiConfig({ API_PORT: '8080' }).API_PORT).toBe(8080);
    expect(() => loadApiConfig({ API_PORT: 'eighty' })).toThrow(/API_PORT/);
  });
});
