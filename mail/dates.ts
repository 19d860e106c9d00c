/** The school's time zone: every date shown to a person is in Paris time. */
const parisDateTime = new Intl.DateTimeFormat('fr-FR', {
  timeZone: 'Europe/Paris',
  dateStyle: 'full',
  timeStyle: 'short',
});

/** "lundi 14 décembre 2026 à 12:00" */
export function formatParisDateTime(iso: string): string {
  return parisDateTime.format(new Date(iso));
}
