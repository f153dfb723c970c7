import { z } from 'zod';
import { messages, stringField } from '../http/validation';
import type { User } from './model';

const USERNAME_PATTERN = /^[A-Za-z0-9._-]+$/;
export const MAX_USERNAME_LENGTH = 50;
export const MAX_EMAIL_LENGTH = 254;
/** bcrypt reads this many bytes and ignores the rest: a longer password would be silently cut. */
export const MAX_PASSWORD_BYTES = 72;

const usernameField = stringField('username')
  .min(2, messages.minLength('username', 2))
  .max(MAX_USERNAME_LENGTH, messages.maxLength('username', MAX_USERNAME_LENGTH))
  .regex(USERNAME_PATTERN, 'The username may only contain letters, numbers, dots, underscores and dashes.');

/**
 * A username as accounts are looked up by it: ASCII letters lower-cased and nothing else. Usernames
 * are ASCII, so a name with other letters matches none, whatever Unicode's case rules (JavaScript's
 * and PostgreSQL's differ: `İ`, the Kelvin sign) would make of it.
 */
export const normalizeUsername = (username: string) => username.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());

const nameField = stringField('name')
  .trim()
  .min(2, messages.minLength('name', 2))
  .max(100, messages.maxLength('name', 100));

/** A valid address, stored lower-cased. */
const emailField = stringField('email')
  .trim()
  .toLowerCase()
  .max(MAX_EMAIL_LENGTH, messages.maxLength('email', MAX_EMAIL_LENGTH))
  .regex(z.regexes.email, 'The email must be a valid email address.');

export const passwordField = (field = 'password') =>
  stringField(field)
    .min(8, messages.minLength(field, 8))
    .refine(
      (value) => Buffer.byteLength(value, 'utf8') <= MAX_PASSWORD_BYTES,
      `The ${field.replaceAll('_', ' ')} may not be greater than ${MAX_PASSWORD_BYTES} bytes.`,
    );

/** Sent at all: a value of the wrong type is present (and reported by its own rule). */
const isPresent = (value: unknown) => value !== undefined && value !== null && value !== '';

type BodyRecord = Record<string, unknown>;

/** A rule on the whole body, checked even when single fields already failed: `field` or `other` must be sent. */
export const requireOneOf = (field: 'username' | 'email', other: 'username' | 'email') =>
  [
    (body: BodyRecord) => isPresent(body[field]) || isPresent(body[other]),
    { path: [field], message: `The ${field} field is required when ${other} is not present.`, when: () => true },
  ] as [(body: BodyRecord) => boolean, { path: string[]; message: string; when: () => boolean }];

/** POST /api/auth/register, /api/register. */
export const registerSchema = z
  .object({
    username: usernameField.nullish(),
    name: nameField.nullish(),
    email: emailField.nullish(),
    password: passwordField(),
    password_confirmation: stringField('password_confirmation').nullish(),
  })
  .refine(...requireOneOf('username', 'email'))
  .refine(...requireOneOf('email', 'username'))
  .refine(
    (body: BodyRecord) =>
      body.password_confirmation === undefined || body.password_confirmation === null || body.password_confirmation === body.password,
    { path: ['password'], message: 'The password confirmation does not match.', when: () => true },
  )
  .meta({ id: 'RegisterRequest' });

export type RegisterInput = z.output<typeof registerSchema>;

/** PATCH /api/users/me: name and email; a username may be sent only unchanged. */
export const profileSchema = z
  .object({
    name: nameField.nullish(),
    email: emailField.nullish(),
    username: stringField('username').nullish(),
  })
  .meta({ id: 'ProfileUpdateRequest' });

export type ProfileInput = z.output<typeof profileSchema>;

/** The user object of every response. */
export const userSchema = z
  .object({
    id: z.number().int(),
    username: z.string().nullable(),
    name: z.string().nullable(),
    email: z.string().nullable().describe("Shown to the user themself only; null in anyone else's view."),
    created_at: z.string().describe('ISO-8601'),
    updated_at: z.string().describe('ISO-8601'),
  })
  .meta({ id: 'User' });

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

/** POST /api/auth/register, /api/register: 201. */
export const registeredSchema = z
  .object({
    success: z.literal(true),
    message: z.literal('User registered successfully'),
    id: z.number().int(),
    username: z.string().nullable(),
    data: userSchema,
  })
  .meta({ id: 'RegisterResponse' });
