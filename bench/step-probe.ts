/**
 * Where a step save's CPU goes, at one steady rate (no queue): the civil
 * status saved on 200 dossiers in turn, open loop, 15 s per round, CPU per
 * step and per process. Optional profiles: FerretDB's (Go pprof, second
 * round) and the APIs' and workers' (`node --cpu-prof`, whole run).
 *
 *   npx tsx bench/step-probe.ts
 *   RATE=15 INSTANCES=1 ROUNDS=2 DB_PROFILE=1 PROFILE_DIR=/tmp/prof npx tsx bench/step-probe.ts
 *
 * Not part of `npm run bench`: a diagnostic for the step capacity row.
 */
import { freePort } from '../dev/ports.js';
import { startSystem } from '../test/reliability/support/system.js';
import { installTemporalRuntime } from '../worker/runtime.js';
import { describeSummary, summarizeProfiles } from './cpu-profile.js';
import { profileDatabase } from './database-profile.js';
import { describeCpuPer, log, settle } from './measure.js';
import { candidatesWithDossiers } from './open-dossiers.js';
import { openLoop, stepSave } from './open-loop.js';

installTemporalRuntime('warn');
const instances = Number(process.env.INSTANCES ?? 2);
const rate = Number(process.env.RATE ?? 15);
const rounds = Number(process.env.ROUNDS ?? 2);
const profileDir = process.env.PROFILE_DIR;
const debugPort = process.env.DB_PROFILE === '1' ? await freePort() : undefined;
const system = await startSystem({ instances, ...(debugPort === undefined ? {} : { databaseDebugPort: debugPort }), ...(profileDir ? { cpuProfileDir: profileDir } : {}) });
try {
  const candidates = await candidatesWithDossiers(system, 200);
  for (let round = 0; round < rounds; round += 1) {
    await settle(system);
    const profile = debugPort !== undefined && round === rounds - 1 ? profileDatabase(debugPort, 12, profileDir ?? '/tmp', 'step-probe') : undefined;
    const result = await openLoop(system, rate, 15, stepSave(system, candidates));
    log(`${instances} API(s) and worker(s), ${rate} steps/s: p50 ${result.p50.toFixed(0)} ms, p99 ${result.p99.toFixed(0)} ms, ${result.errors} errors; ${describeCpuPer(result.cpu, result.sent, 'step')}`);
    if (profile) console.log(await profile.done);
  }
} finally {
  await system.close();
}
if (profileDir) for (const part of ['worker-1', 'api-1']) log(`${part}: ${describeSummary(await summarizeProfiles(`${profileDir}/${part}`, 25))}`);
