import { startSystem } from '../test/reliability/support/system.js';
import { installTemporalRuntime } from '../worker/runtime.js';
import { candidatesWithDossiers } from './open-dossiers.js';
import { openLoop, stepSave } from './open-loop.js';
import { describeCpuPer, settle } from './measure.js';
import { profileDatabase } from './database-profile.js';
import { freePort } from '../dev/ports.js';
installTemporalRuntime('warn');
const instances = Number(process.env.INSTANCES ?? 2);
const rate = Number(process.env.RATE ?? 15);
const workerEnv = process.env.WORKER_ENV ? JSON.parse(process.env.WORKER_ENV) : undefined;
const debugPort = process.env.DB_PROFILE ? await freePort() : undefined;
const system = await startSystem({ instances, ...(debugPort ? { databaseDebugPort: debugPort } : {}), ...(workerEnv ? { workerEnv } : {}), ...(process.env.PROFILE_DIR ? { cpuProfileDir: process.env.PROFILE_DIR } : {}) });
try {
  const candidates = await candidatesWithDossiers(system, 200);
  for (let round = 0; round < Number(process.env.ROUNDS ?? 2); round += 1) {
    await settle(system);
    const profile = debugPort && round === 1 ? profileDatabase(debugPort, 12, '/tmp', 'probe') : undefined;
    const r = await openLoop(system, rate, 15, stepSave(system, candidates));
    console.log(`instances ${instances} rate ${rate}: p50 ${r.p50.toFixed(0)} p99 ${r.p99.toFixed(0)} errors ${r.errors}; ${describeCpuPer(r.cpu, r.sent, 'step')}`);
    if (profile) console.log(await profile.done);
  }
} finally {
  await system.close();
}
