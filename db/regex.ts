/** Text matched literally inside a MongoDB `$regex` (a search typed by the office, an id prefix). */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
