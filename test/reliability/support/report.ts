import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Where each fault scenario writes what it counted, for docs/RELIABILITY.md (one JSON line per run). */
export const REPORT_DIR = new URL('../../../.reliability/', import.meta.url).pathname;

export async function report(scenario: string, figures: Record<string, unknown>): Promise<void> {
  await mkdir(REPORT_DIR, { recursive: true });
  const line = JSON.stringify({ scenario, at: new Date().toISOString(), ...figures });
  console.log(`[reliability] ${line}`);
  await appendFile(join(REPORT_DIR, 'results.jsonl'), `${line}\n`);
}
