/** What the API asks the worker to send about an account. Imported by workflow code: types only. */

/**
 * An e-mail about an account, requested by the API. Each is delivered by an
 * activity, so an SMTP outage delays it and loses nothing. Requests carry no
 * secret: the activity issues the token and puts the link in the e-mail.
 */
export type AccountEmailRequest =
  | { kind: 'verifyEmail'; accountId: string; email: string }
  /** The link to the new address; it replaces the old one only once opened. */
  | { kind: 'changeEmail'; accountId: string; newEmail: string }
  /** From "Mot de passe oublié": sent only when the identifier and e-mail match one account. */
  | { kind: 'passwordReset'; identifier: string; email: string }
  | { kind: 'passwordResetDone'; accountId: string }
  | { kind: 'passwordChanged'; accountId: string }
  /** Sent to the previous address. */
  | { kind: 'emailChanged'; accountId: string; previousEmail: string }
  | { kind: 'signupOnExistingEmail'; email: string };

