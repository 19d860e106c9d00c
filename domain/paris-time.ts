/** The school's time zone: dates are shown and entered in Paris time. */
export const SCHOOL_TIME_ZONE = 'Europe/Paris';

const parisDateTime = new Intl.DateTimeFormat('fr-FR', {
  timeZone: SCHOOL_TIME_ZONE,
  dateStyle: 'full',
  timeStyle: 'short',
});

/** "lundi 14 décembre 2026 à 12:00" */
export function formatParisDateTime(iso: string | Date): string {
  return parisDateTime.format(typeof iso === 'string' ? new Date(iso) : iso);
}

const parisParts = new Intl.DateTimeFormat('en-US', {
  timeZone: SCHOOL_TIME_ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
});

/** Offset of Paris from UTC at `instant`, in milliseconds (+1 h in winter, +2 h in summer). */
function parisOffsetMs(instant: Date): number {
  const parts = Object.fromEntries(parisParts.formatToParts(instant).map((p) => [p.type, Number(p.value)]));
  const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/**
 * The instant at which Paris clocks show the given wall time. Month is 1-12.
 * Two passes settle the offset on both sides of a daylight-saving change.
 */
export function parisWallTime(year: number, month: number, day: number, hour = 0, minute = 0): Date {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  let instant = wall - parisOffsetMs(new Date(wall));
  instant = wall - parisOffsetMs(new Date(instant));
  return new Date(instant);
}

/** The calendar date in Paris of an instant: { year, month (1-12), day }. */
export function parisDate(instant: Date): { year: number; month: number; day: number } {
  const parts = Object.fromEntries(parisParts.formatToParts(instant).map((p) => [p.type, Number(p.value)]));
  return { year: parts.year!, month: parts.month!, day: parts.day! };
}
