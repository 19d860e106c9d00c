import { deadlineStormRun } from '../deadline-storm.js';
const r = await deadlineStormRun(Number(process.env.N ?? 300), (process.env.MODE ?? 'storm') as 'storm', '/tmp'); console.log(r.databaseProfile);
