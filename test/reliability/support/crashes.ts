/**
 * What the crash scenarios share: faults timed on progress (after a share of
 * all steps was accepted, not after a delay, so they land mid-journey on a
 * fast or a slow machine alike), run one after the other, and the invariants
 * every scenario asserts once its journeys are done.
 */
import { expect } from 'vitest';
import type { validateAndAudit } from './invariants.js';

export interface FaultRecord {
  afterSteps: number;
  downMs: number;
}

/** `onStep` for the journeys: runs `fault` once each share of `totalSteps` is reached. */
export function faultsOnProgress(totalSteps: number, shares: number[], fault: () => Promise<void>) {
  let accepted = 0;
  const at = shares.map((share) => Math.round(totalSteps * share));
  const faults: FaultRecord[] = [];
  let running = Promise.resolve();
  return {
    onStep() {
      accepted += 1;
      if (at.length === 0 || accepted < at[0]!) return;
      const afterSteps = at.shift()!;
      running = running.then(async () => {
        const down = Date.now();
        await fault();
        faults.push({ afterSteps, downMs: Date.now() - down });
      });
    },
    /** Every fault done (and the process it stopped started again). */
    settled: () => running.then(() => faults),
    accepted: () => accepted,
  };
}

/** Nothing lost nor applied twice: each step once, records equal to workflows, every file there, every e-mail once or in identical copies. */
export function expectNothingLost(
  audit: Pick<Awaited<ReturnType<typeof validateAndAudit>>, 'dossiers' | 'emails'>,
  journeys: number,
): void {
  expect(audit.dossiers.recordMismatches).toEqual([]);
  expect(audit.dossiers.stepCountErrors).toEqual([]);
  expect(audit.dossiers.missingFiles).toEqual([]);
  // A kill between the relay's 250 and the SentEmail record resends that message on retry (at-least-once
  // over SMTP): the copy is the same message (same Message-ID, subject, text). Counted in the report.
  expect(audit.emails.differingCopies).toEqual([]);
  expect(audit.emails.distinctKeys).toBe(3 * journeys);
}
