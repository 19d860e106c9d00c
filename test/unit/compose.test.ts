/**
 * docker-compose.yml runs what `npm start` and the tests run: the same
 * versions, dynamic config, retention and search attributes. Compose cannot
 * be started here (no Docker engine), so these are read from its text.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION } from '../../dev/provision.js';
import { BASE_DYNAMIC_CONFIG, dynamicConfigYaml, NAMESPACE_RETENTION_HOURS } from '../../dev/temporal-server.js';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const compose = read('docker-compose.yml');

describe('docker-compose.yml follows the local topology', () => {
  it('pins the versions the local engine builds', () => {
    const server = TEMPORAL_SERVER_VERSION.slice(1);
    expect(compose).toContain(`image: temporalio/server:${server}`);
    expect(compose).toContain(`image: temporalio/admin-tools:${server}`);
    expect(compose).toContain(`image: temporalio/ui:${TEMPORAL_UI_VERSION.slice(1)}`);
    expect(compose).not.toContain('auto-setup:');
  });

  it('mounts the dynamic config the local engine writes', () => {
    const file = read('temporal/dynamicconfig.yaml').split('\n').filter((line) => !line.startsWith('#')).join('\n');
    expect(file).toBe(dynamicConfigYaml(BASE_DYNAMIC_CONFIG));
    expect(compose).toContain('./temporal/dynamicconfig.yaml:');
  });

  it('registers the same namespace retention and every search attribute', () => {
    expect(compose).toContain(`--retention ${NAMESPACE_RETENTION_HOURS}h`);
    const registered = compose.match(/for name in ([A-Za-z ]+); do/)?.[1]?.split(' ');
    expect(registered?.sort()).toEqual(Object.values(SEARCH_ATTRIBUTES).map((key) => key.name).sort());
  });
});
