/** Accounts: sign-up, log-in, the account as the API shows it. */
import { z } from 'zod';
import { ACCOUNT_ROLES } from '../../db/models.js';
import { PASSWORD_MAX_LENGTH } from '../../domain/password-policy.js';

export const identifierSchema = z
  .string()
  .trim()
  .min(3, "l'identifiant doit comporter au moins 3 caractères")
  .max(64, "l'identifiant doit comporter au plus 64 caractères")
  .regex(/^[A-Za-z0-9._-]+$/, "l'identifiant ne peut contenir que des lettres sans accent, des chiffres, « . », « - » ou « _ »");
export const emailSchema = z.string().trim().max(254).pipe(z.email('adresse e-mail invalide'));
// Length and strength are judged by the password rule, which explains itself in French.
export const passwordSchema = z.string().min(1, 'mot de passe obligatoire').max(PASSWORD_MAX_LENGTH * 4);
export const nameSchema = (label: string) => z.string().trim().min(1, `${label} obligatoire`).max(100, `${label} trop long`);
export const tokenSchema = z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, 'lien invalide');

export const accountSchema = z
  .object({
    id: z.string(),
    identifier: z.string(),
    email: z.string(),
    emailVerified: z.boolean(),
    firstName: z.string(),
    lastName: z.string(),
    role: z.enum(ACCOUNT_ROLES),
    trainingIds: z.array(z.string()),
  })
  .meta({ id: 'Account' });
export const messageSchema = z.object({ message: z.string() });
export type AccountView = z.infer<typeof accountSchema>;

// Requests: the API's routes and the pages' forms validate with these.
export const signUpBody = z.object({
  identifier: identifierSchema,
  email: emailSchema,
  password: passwordSchema,
  firstName: nameSchema('prénom'),
  lastName: nameSchema('nom'),
  privacyNoticeVersion: z
    .string()
    .max(40)
    .optional()
    .describe('The version of the notice shown (GET /privacy-notice); another than the current one is a 409, so the person reads the new text first.'),
});
export const logInBody = z.object({
  login: z.string().trim().min(1, 'identifiant ou adresse e-mail obligatoire').max(254),
  password: passwordSchema,
  client: z.enum(['browser', 'api']).default('browser').describe('"api" returns the token for a bearer header and sets no cookie.'),
});
export const emailConfirmationBody = z.object({ token: tokenSchema });
export const passwordResetBody = z.object({ identifier: z.string().trim().min(1, 'identifiant obligatoire').max(64), email: emailSchema });
export const passwordResetConfirmationBody = z.object({ token: tokenSchema, newPassword: passwordSchema });
export const passwordChangeBody = z.object({ currentPassword: passwordSchema, newPassword: passwordSchema });
export const emailChangeBody = z.object({ currentPassword: passwordSchema, newEmail: emailSchema });
export const erasureRequestBody = z.object({ currentPassword: passwordSchema });
export const erasureConfirmationBody = z.object({ token: tokenSchema });
