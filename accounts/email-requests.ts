/** What the API asks the worker to send about an account. Imported by workflow code: types only. */

/**
 * An e-mail about an account, requested by the API. Each is delivered by an
 * activity, so an SMTP outage delays it and loses nothing. Requests carry no
 * secret (the activity issues the token and puts the link in the e-mail), and
 * name the account by its id: the activity reads the address and the name
 * from the account, so the workflow's history holds no copy of them. Only
 * addresses the account does not hold travel: a new one to confirm, the
 * previous one to warn.
 */
export type AccountEmailRequest =
  | { kind: 'verifyEmail'; accountId: string }
  /** The link to the new address; it replaces the old one only once opened. */
  | { kind: 'changeEmail'; accountId: string; newEmail: string }
  /**
   * From "Mot de passe oublié": the API looks the identifier and e-mail up and
   * sends the account they match, or null — the same work either way, and nothing typed kept.
   */
  | { kind: 'passwordReset'; accountId: string | null }
  | { kind: 'passwordResetDone'; accountId: string }
  | { kind: 'passwordChanged'; accountId: string }
  /** Sent to the previous address. */
  | { kind: 'emailChanged'; accountId: string; previousEmail: string }
  /** A sign-up with an address already taken: its owner is told. */
  | { kind: 'signupOnExistingEmail'; accountId: string }
  /** "Supprimer mon compte": the link that confirms it (the password was checked by the API). */
  | { kind: 'confirmErasure'; accountId: string }
  | LegacyAccountEmailRequest;

/** As requested before requests named accounts by id: still in the histories of e-mails not yet delivered. */
export type LegacyAccountEmailRequest =
  | { kind: 'verifyEmail'; accountId: string; email: string }
  | { kind: 'passwordReset'; identifier: string; email: string }
  | { kind: 'signupOnExistingEmail'; email: string };
