/** The rules of a selection (an admission round). */

/** Open: opened already and not yet closed. The one rule for it. */
export function isSelectionOpen(selection: { opensAt: Date; closesAt: Date }, now: Date): boolean {
  return selection.opensAt.getTime() <= now.getTime() && now.getTime() < selection.closesAt.getTime();
}
