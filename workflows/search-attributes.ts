/**
 * Every custom search attribute our workflows set: the dev server registers
 * exactly this list (dev/temporal-server.ts), docker-compose.yml the same names.
 * Visibility is not encrypted (the server indexes it), so these hold ids and
 * statuses only, never a name or an address (docs/DATA-PROTECTION.md).
 *
 * Imported by workflow code: no Node API.
 */
import { defineSearchAttributeKey } from '@temporalio/common';

export const SEARCH_ATTRIBUTES = {
  /** A dossier's status, upserted as it moves. */
  dossierStatus: defineSearchAttributeKey('DossierStatus', 'KEYWORD'),
  selection: defineSearchAttributeKey('SelectionId', 'KEYWORD'),
  /** The candidate's account id, on their dossiers. */
  candidate: defineSearchAttributeKey('CandidateId', 'KEYWORD'),
  /** The account an account e-mail is about: erasing the account finds its e-mail workflows by it. */
  account: defineSearchAttributeKey('AccountId', 'KEYWORD'),
} as const;
