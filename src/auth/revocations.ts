import type { Knex } from 'knex';
import type { TokenClaims } from './tokens';

/** Records a logged-out token until the moment it would have expired anyway. */
export async function revokeToken(knex: Knex, claims: TokenClaims): Promise<void> {
  await knex('revoked_tokens')
    .insert({ jti: claims.jti, user_id: claims.userId, expires_at: claims.expiresAt })
    .onConflict('jti')
    .ignore();
}

/** Forgets revocations of tokens that have expired: their signature check refuses them already. */
export async function purgeExpiredRevocations(knex: Knex): Promise<number> {
  return knex('revoked_tokens').where('expires_at', '<', knex.fn.now()).del();
}
