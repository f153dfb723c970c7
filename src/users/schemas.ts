import { z } from 'zod';
import { messages, stringField } from '../http/validation';
import { campaignSchema } from '../kickstarter/schemas';
import type { User } from './model';

const USERNAME_PATTERN = /^[A-Za-z0-9._-]+$/;
export const MAX_USERNAME_LENGTH = 50;
export const MAX_EMAIL_LENGTH = 254;

export const usernameField = stringField('username')
  .min(2, messages.minLength('username', 2))
  .max(MAX_USERNAME_LENGTH, messages.maxLength('username', MAX_USERNAME_LENGTH))
  .regex(USERNAME_PATTERN, 'The username may only contain letters, numbers, dots, underscores and dashes.');

/**
 * A username as accounts are looked up by it: ASCII letters lower-cased and nothing else. Usernames
 * are ASCII, so a name with other letters matches none, whatever Unicode's case rules (JavaScript's
 * and PostgreSQL's differ: `İ`, the Kelvin sign) would make of it.
 */
export const normalizeUsername = (username: string) => username.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());

export const nameField = stringField('name')
  .trim()
  .min(2, messages.minLength('name', 2))
  .max(100, messages.maxLength('name', 100));

/** Checks that an email's domain can receive mail (EMAIL_CHECK_DNS). */
export type EmailDomainCheck = (email: string) => Promise<boolean>;

const emailFormat = stringField('email')
  .trim()
  .toLowerCase()
  .max(MAX_EMAIL_LENGTH, messages.maxLength('email', MAX_EMAIL_LENGTH))
  .regex(z.regexes.email, 'The email must be a valid email address.');

/** A valid address, stored lower-cased; with EMAIL_CHECK_DNS its domain must accept mail too. */
export function emailField(checkEmailDomain?: EmailDomainCheck) {
  if (!checkEmailDomain) return emailFormat;
  return emailFormat.refine(
    async (value) => !z.regexes.email.test(value) || (await checkEmailDomain(value)),
    'The email domain does not accept mail.',
  );
}

/** PATCH /api/users/me: name and email; a username may be sent only unchanged. */
export function profileSchema(checkEmailDomain?: EmailDomainCheck) {
  return z.object({
    name: nameField.nullish(),
    email: emailField(checkEmailDomain).nullish(),
    username: stringField('username').nullish(),
  });
}

/** The user object of every response. */
export const userSchema = z.object({
  id: z.number().int(),
  username: z.string().nullable(),
  name: z.string().nullable(),
  email: z.string().nullable().describe("Shown to the user themself only; null in anyone else's view."),
  created_at: z.string().describe('ISO-8601'),
  updated_at: z.string().describe('ISO-8601'),
});

export type UserView = z.input<typeof userSchema>;

/** A user as `viewerId` may see them: only the user themself sees their email. */
export function viewUser(user: User, viewerId: number): UserView {
  return {
    id: user.id,
    username: user.username,
    name: user.name,
    email: user.id === viewerId ? user.email : null,
    created_at: user.created_at,
    updated_at: user.updated_at,
  };
}

/** GET /api/users/:id, /api/auth/:id: the user and their first campaigns. */
export const userWithCampaignsSchema = userSchema.extend({
  kickstarter: z
    .array(campaignSchema)
    .describe("The user's first 100 campaigns in id order; the rest are paged at /api/kickstarter/user/{id}."),
});
