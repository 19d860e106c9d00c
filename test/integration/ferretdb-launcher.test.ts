import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { loadDevConfig } from '../../dev/config.js';

const launcherSource = fileURLToPath(new URL('../../tools/ferretdb-launcher/', import.meta.url));

// The launcher's own Go tests (tools/ferretdb-launcher/*_test.go): the _id index
// it adds must turn FerretDB's lookups by _id from a scan of the collection into a search.
it('passes the FerretDB launcher Go tests (the _id index FerretDB lookups can use)', async () => {
  const { GO } = loadDevConfig();
  const { stdout } = await promisify(execFile)(GO, ['test', '-count=1', './...'], { cwd: launcherSource });
  expect(stdout).toMatch(/^ok\s/m);
}, 180_000);
