import { z } from 'zod';
import { messages, stringField } from '../http/validation';
import { BCRYPT_MAX_BYTES } from './passwords';

const USERNAME_PATTERN = /^[A-Za-z0-9._-]+$/;

export const usernameField = stringField('username')
  .min(2, messages.minLength('username', 2))
  .max(50, messages.maxLength('username', 50))
  .regex(USERNAME_PATTERN, 'The username may only contain letters, numbers, dots, underscores and dashes.');

export const emailField = stringField('email')
  .trim()
  .toLowerCase()
  .max(254, messages.maxLength('email', 254))
  .regex(z.regexes.email, 'The email must be a valid email address.');

export const nameField = stringField('name')
  .trim()
  .min(2, messages.minLength('name', 2))
  .max(100, messages.maxLength('name', 100));

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

/** Checks that an email's domain can receive mail (EMAIL_CHECK_DNS). */
export type EmailDomainCheck = (email: string) => Promise<boolean>;

export function registerSchema(checkEmailDomain?: EmailDomainCheck) {
  const email = checkEmailDomain
    ? emailField.refine(
        async (value) => !z.regexes.email.test(value) || (await checkEmailDomain(value)),
        'The email domain does not accept mail.',
      )
    : emailField;
  const username = requireOneOf('username', 'email');
  const emailOrUsername = requireOneOf('email', 'username');
  return z
    .object({
      username: usernameField.nullish(),
      name: nameField.nullish(),
      email: email.nullish(),
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

/** Login checks presence and type only: the rules of registration would tell which accounts exist. */
export const loginSchema = z
  .object({
    username: stringField('username').nullish(),
    email: stringField('email').trim().toLowerCase().nullish(),
    password: stringField('password').min(1, messages.required('password')),
  })
  .refine(loginUsername.check, loginUsername.params)
  .refine(loginEmail.check, loginEmail.params);

export type LoginInput = z.output<typeof loginSchema>;
