import { z } from 'zod';
import { messages, stringField } from '../http/validation';
import {
  type EmailDomainCheck,
  emailField,
  MAX_EMAIL_LENGTH,
  MAX_USERNAME_LENGTH,
  nameField,
  normalizeUsername,
  usernameField,
  userSchema,
} from '../users/schemas';
import { BCRYPT_MAX_BYTES } from './passwords';

// A longer password would be silently cut by bcrypt.
export const passwordField = (field = 'password') =>
  stringField(field)
    .min(8, messages.minLength(field, 8))
    .refine(
      (value) => Buffer.byteLength(value, 'utf8') <= BCRYPT_MAX_BYTES,
      `The ${field.replaceAll('_', ' ')} may not be greater than ${BCRYPT_MAX_BYTES} bytes.`,
    );

/** Sent at all: a value of the wrong type is present (and reported by its own rule). */
const isPresent = (value: unknown) => value !== undefined && value !== null && value !== '';

type BodyRecord = Record<string, unknown>;

/** A rule on the whole body that is checked even when single fields already failed. */
const requireOneOf = (field: 'username' | 'email', other: 'username' | 'email') => ({
  check: (body: BodyRecord) => isPresent(body[field]) || isPresent(body[other]),
  params: {
    path: [field],
    message: `The ${field} field is required when ${other} is not present.`,
    when: () => true,
  },
});

export function registerSchema(checkEmailDomain?: EmailDomainCheck) {
  const username = requireOneOf('username', 'email');
  const emailOrUsername = requireOneOf('email', 'username');
  return z
    .object({
      username: usernameField.nullish(),
      name: nameField.nullish(),
      email: emailField(checkEmailDomain).nullish(),
      password: passwordField(),
      password_confirmation: stringField('password_confirmation').nullish(),
    })
    .refine(username.check, username.params)
    .refine(emailOrUsername.check, emailOrUsername.params)
    .refine(
      (body: BodyRecord) =>
        body.password_confirmation === undefined ||
        body.password_confirmation === null ||
        body.password_confirmation === body.password,
      { path: ['password'], message: 'The password confirmation does not match.', when: () => true },
    );
}

export type RegisterInput = z.output<ReturnType<typeof registerSchema>>;

const loginUsername = requireOneOf('username', 'email');
const loginEmail = requireOneOf('email', 'username');

/**
 * Login checks presence, type and length only (the rules of registration would tell which
 * accounts exist; no account has a longer name, so a longer one is never looked up), and
 * normalises the identifier once: the lookup and the login throttle use the same value.
 */
export const loginSchema = z
  .object({
    username: stringField('username')
      .max(MAX_USERNAME_LENGTH, messages.maxLength('username', MAX_USERNAME_LENGTH))
      .transform(normalizeUsername)
      .nullish(),
    email: stringField('email').trim().max(MAX_EMAIL_LENGTH, messages.maxLength('email', MAX_EMAIL_LENGTH)).toLowerCase().nullish(),
    password: stringField('password').min(1, messages.required('password')),
  })
  .refine(loginUsername.check, loginUsername.params)
  .refine(loginEmail.check, loginEmail.params);

export type LoginInput = z.output<typeof loginSchema>;

/** PUT /api/auth/update/:id: a new password, the current one, and optionally the (unchanged) username. */
export const changePasswordSchema = z.object({
  password: passwordField(),
  current_password: stringField('current_password').min(1, messages.required('current_password')),
  username: stringField('username').nullish(),
});

export type ChangePasswordInput = z.output<typeof changePasswordSchema>;

/** DELETE /api/auth/delete/:id: the current password confirms the deletion. */
export const deleteAccountSchema = z.object({
  password: stringField('password').min(1, messages.required('password')),
});

export type DeleteAccountInput = z.output<typeof deleteAccountSchema>;

// Responses, for the API document (src/openapi.ts) and the tests that hold the router to it.

/** POST /api/auth/register, /api/register: 201. */
export const registerResponseSchema = z.object({
  success: z.literal(true),
  message: z.literal('User registered successfully'),
  id: z.number().int(),
  username: z.string().nullable(),
  data: userSchema,
});

/** POST /api/auth/login, /api/login: 200. `token`, `id` and `username` at the top level are what the Kickstarter client reads. */
export const loginResponseSchema = z.object({
  success: z.literal(true),
  message: z
    .string()
    .regex(/^Welcome [\s\S]*!$/)
    .describe('"Welcome <username>!"; the name, else the email, when the user has no username.'),
  token: z.string().describe('The JWT, as in data.token.'),
  id: z.number().int(),
  username: z.string().nullable(),
  data: z.object({
    type: z.literal('Bearer'),
    token: z.string(),
    expires_in: z.number().int().describe('Seconds until the token expires (JWT_EXPIRES_IN).'),
    user: userSchema,
  }),
});

/** PUT /api/auth/update/:id: 200, with a fresh token (every earlier one stopped working). */
export const passwordChangedResponseSchema = z.object({
  success: z.literal(true),
  message: z.literal('Password changed successfully'),
  data: userSchema,
  token: z.string().describe('A fresh JWT: every token issued before the change stopped working.'),
});
