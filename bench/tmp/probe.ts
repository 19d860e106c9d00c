import autocannon from 'autocannon';
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startSystem } from '../../test/reliability/support/system.js';
import { inParallel, apiClient, Tally, journeyCivilStatus } from '../../test/reliability/support/journey.js';
import { createSelection, hoursFromNow } from '../../test/support/fixtures.js';

const system = await startSystem({ apiEnv: { LOG_LEVEL: process.env.API_LOG ?? 'warn'}, ...(process.env.PROF ? { cpuProfileDir: '/tmp/prof' } : {}) });
const procs = execSync('ps -eo pid,args').toString().split('\n').filter((l) => /api\/server\.ts|worker\/main\.ts|temporal|ferretdb/i.test(l) && !l.includes('ps -eo'))
  .map((l) => { const [pid, ...rest] = l.trim().split(/\s+/); return { pid: Number(pid), name: rest.join(' ').slice(0, 80) }; });
const ticks = () => procs.map((p) => { try { const f = readFileSync(`/proc/${p.pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return Number(f[11]) + Number(f[12]); } catch { return 0; } });
const selfTicks = () => process.cpuUsage();
try {
  const accounts = await inParallel(Array.from({ length: 50 }, (_, n) => n), 10, () => system.account('candidate'));
  let next = 0;
  const path = process.env.PROBE_PATH ?? '/me';
  const step = path === 'step';
  const ids: string[] = [];
  if (step) {
    const { selectionId } = await createSelection(system.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) });
    for (const a of accounts) ids.push((await apiClient(system.apiUrl, a.token, new Tally()).request('POST', `/selections/${selectionId}/dossiers`)).body.dossierId);
  }
  const before = ticks(); const self0 = selfTicks(); const t0 = Date.now();
  const result = await autocannon({ url: system.apiUrl, connections: Number(process.env.CONN ?? 50), duration: 10,
    requests: [{ setupRequest: (r, ctx) => { const c = ctx as { n?: number }; if (c.n === undefined) c.n = next++ % accounts.length; return step ? { ...r, method: 'PUT', path: `/dossiers/${ids[c.n]}/civil-status`, body: JSON.stringify(journeyCivilStatus(1)), headers: { authorization: `Bearer ${accounts[c.n]!.token}`, 'content-type': 'application/json' } } : { ...r, method: 'GET', path, headers: { authorization: `Bearer ${accounts[c.n]!.token}` } }; } }] });
  const secs = (Date.now() - t0) / 1000; const after = ticks(); const self1 = process.cpuUsage(self0);
  console.log(`req ${result.requests.total} p50 ${result.latency.p50} p99 ${result.latency.p99} non2xx ${result.non2xx} errors ${result.errors}`);
  procs.forEach((p, i) => console.log(`${((after[i]! - before[i]!) / 100 / secs * 100).toFixed(0)}% cpu  ${p.pid} ${p.name}`));
  console.log(`bench process ${(((self1.user + self1.system) / 1e6) / secs * 100).toFixed(0)}% cpu`);
} finally { await system.close(); }
