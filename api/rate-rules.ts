import type { RateRule } from '../accounts/rate-limit.js';

const MINUTE = 60_000;

/**
 * Abuse limits, in one place. Per-account rules are keyed by what was typed
 * (identifier or e-mail), not by a found account, so a 429 says nothing about
 * whether the account exists.
 */
export const defaultRateRules = {
  loginPerClient: { name: 'login-client', limit: 30, windowMs: 15 * MINUTE },
  /** Failed password checks (log-in, current password) per account: five lock it for the window. */
  loginFailuresPerAccount: { name: 'login-account', limit: 5, windowMs: 15 * MINUTE },
  signupPerClient: { name: 'signup-client', limit: 10, windowMs: 60 * MINUTE },
  resetPerClient: { name: 'reset-client', limit: 10, windowMs: 60 * MINUTE },
  /** Keyed on identifier + e-mail: whoever knows only an identifier cannot block its owner's resets. */
  resetPerAccount: { name: 'reset-account', limit: 3, windowMs: 60 * MINUTE },
  /** "Someone tried to sign up with your address" notices, per address: no mailbox flooding. */
  signupNoticePerEmail: { name: 'signup-notice', limit: 3, windowMs: 60 * MINUTE },
  verificationPerAccount: { name: 'verification-account', limit: 5, windowMs: 60 * MINUTE },
  /** Links confirmed (verification, reset): tokens are 256-bit, this only bounds the noise. */
  tokenPerClient: { name: 'token-client', limit: 30, windowMs: 15 * MINUTE },
} satisfies Record<string, RateRule>;

export type RateRules = typeof defaultRateRules;
