import { z } from 'zod';
import type { User } from './model';

/** The user object of every response. */
export const userSchema = z.object({
  id: z.number().int(),
  username: z.string().nullable(),
  name: z.string().nullable(),
  email: z.string().nullable().describe('Shown to the user themself only; null in anyone else\'s view.'),
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
    created_at: user.created_at.toISOString(),
    updated_at: user.updated_at.toISOString(),
  };
}
