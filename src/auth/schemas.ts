import { z } from 'zod';
import { INVALID_CREDENTIALS_MESSAGE, invalidTokenErrorSchema } from '../http/errors';
import { messages, stringField } from '../http/validation';
import {
  MAX_EMAIL_LENGTH,
  MAX_USERNAME_LENGTH,
  normalizeUsername,
  passwordField,
  requireOneOf,
  userSchema,
} from '../users/service';

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
  .refine(...requireOneOf('username', 'email'))
  .refine(...requireOneOf('email', 'username'))
  .meta({ id: 'LoginRequest' });

export type LoginInput = z.output<typeof loginSchema>;

/** PUT /api/auth/update/:id: a new password, the current one, and optionally the (unchanged) username. */
export const changePasswordSchema = z
  .object({
    password: passwordField(),
    current_password: stringField('current_password').min(1, messages.required('current_password')),
    username: stringField('username').nullish(),
  })
  .meta({ id: 'ChangePasswordRequest' });

export type ChangePasswordInput = z.output<typeof changePasswordSchema>;

/** DELETE /api/auth/delete/:id: the current password confirms the deletion. */
export const deleteAccountSchema = z
  .object({ password: stringField('password').min(1, messages.required('password')) })
  .meta({ id: 'DeleteAccountRequest' });

/** POST /api/auth/login, /api/login: 200. `token`, `id` and `username` at the top level are what the Kickstarter client reads. */
export const loginResponseSchema = z
  .object({
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
  })
  .meta({ id: 'LoginResponse' });

/** PUT /api/auth/update/:id: 200, with a fresh token (every earlier one stopped working). */
export const passwordChangedResponseSchema = z
  .object({
    success: z.literal(true),
    message: z.literal('Password changed successfully'),
    data: userSchema,
    token: z.string().describe('A fresh JWT: every token issued before the change stopped working.'),
  })
  .meta({ id: 'PasswordChangedResponse' });

/** 401 at login: the same body for an unknown account and a wrong password. */
export const invalidCredentialsErrorSchema = invalidTokenErrorSchema
  .extend({ message: z.literal(INVALID_CREDENTIALS_MESSAGE) })
  .meta({ id: 'InvalidCredentialsError' });
