import { describe, expect, it } from 'vitest';
import { formatParisDateTime, parisDate, parisWallTime } from '../../domain/paris-time.js';

describe('Paris time', () => {
  it('turns a winter wall time into UTC+1', () => {
    expect(parisWallTime(2027, 1, 15, 12, 0).toISOString()).toBe('2027-01-15T11:00:00.000Z');
  });

  it('turns a summer wall time into UTC+2', () => {
    expect(parisWallTime(2027, 7, 1, 23, 59).toISOString()).toBe('2027-07-01T21:59:00.000Z');
  });

  it('handles the days the clocks change', () => {
    // 28 March 2027: clocks jump from 02:00 to 03:00; 31 October 2027: back from 03:00 to 02:00.
    expect(parisWallTime(2027, 3, 28, 12, 0).toISOString()).toBe('2027-03-28T10:00:00.000Z');
    expect(parisWallTime(2027, 10, 31, 12, 0).toISOString()).toBe('2027-10-31T11:00:00.000Z');
  });

  it('gives the Paris calendar date, not the UTC one, around midnight', () => {
    expect(parisDate(new Date('2026-12-31T23:30:00Z'))).toEqual({ year: 2027, month: 1, day: 1 });
  });

  it('formats dates in French for people', () => {
    expect(formatParisDateTime('2027-01-15T11:00:00Z')).toBe('vendredi 15 janvier 2027 à 12:00');
  });
});
