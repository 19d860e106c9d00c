import { summarizeProfiles, describeSummary } from '../cpu-profile.js';
for (const d of ['api', 'worker']) console.log(d, describeSummary(await summarizeProfiles(`${process.env.DIR ?? '/tmp/prof'}/${d}`, 14)));
