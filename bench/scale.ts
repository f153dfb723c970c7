/**
 * Scenario 4: a keyset page in the middle of the campaigns and a user's campaigns, at SMALL_TABLE
 * and at BIG_TABLE rows: the p50 ratio (the lists must not slow down as the table grows).
 */
import { BIG_TABLE, DURATION, type Measured, SCALE_CONNECTIONS, type ServerHandle, SMALL_TABLE, TARGETS, log, measure } from './common';
import { type Fixture, growCampaigns, middleCampaignId } from './data';
import { fmt, type Row } from './report';

export async function scaleScenario(server: ServerHandle, fixture: Fixture) {
  const sizes = [SMALL_TABLE, BIG_TABLE];
  const bySize: Record<string, { rows: number; loadSeconds: number; after: number; afterPage: Measured; userPage: Measured }> = {};
  for (const size of sizes) {
    log(`campaigns: bulk-loading to ${size.toLocaleString('en-US')} rows`);
    const { seconds } = await server.db((knex) => growCampaigns(knex, fixture, size));
    const after = await server.db((knex) => middleCampaignId(knex));
    log(`campaigns: ${size.toLocaleString('en-US')} rows in ${seconds.toFixed(1)} s; ?after=${after}`);
    const child = await server.get();
    const common = { connections: SCALE_CONNECTIONS, durationSeconds: DURATION };
    const afterPage = await measure(
      `server ?after=${after} @${size}`,
      { ...common, url: `${child.baseUrl}/api/kickstarter?after=${after}&limit=20` },
      child,
      server.backend,
    );
    const userPage = await measure(
      `server user/${fixture.makerIds[0]} @${size}`,
      { ...common, url: `${child.baseUrl}/api/kickstarter/user/${fixture.makerIds[0]}` },
      child,
      server.backend,
    );
    bySize[size] = { rows: size, loadSeconds: seconds, after, afterPage, userPage };
  }
  const small = bySize[SMALL_TABLE]!;
  const big = bySize[BIG_TABLE]!;
  const afterRatio = big.afterPage.latencyMs.p50 / small.afterPage.latencyMs.p50;
  const userRatio = big.userPage.latencyMs.p50 / small.userPage.latencyMs.p50;
  return { sizes, bySize, connections: SCALE_CONNECTIONS, afterRatio, userRatio };
}

export function scaleRows(outcome: Awaited<ReturnType<typeof scaleScenario>>): Row[] {
  const small = outcome.bySize[SMALL_TABLE]!;
  const big = outcome.bySize[BIG_TABLE]!;
  const bigLabel = BIG_TABLE.toLocaleString('en-US');
  return [
    {
      scenario: '4',
      measure: `GET /api/kickstarter?after=<middle>&limit=20, ${SCALE_CONNECTIONS} conn: p50 at ${bigLabel} vs 1,000 rows`,
      server: fmt.ms(big.afterPage.latencyMs.p50),
      reference: fmt.ms(small.afterPage.latencyMs.p50),
      ratio: fmt.ratio(outcome.afterRatio),
      target: `≤ ${TARGETS.scaleP50Ratio}`,
      pass: outcome.afterRatio <= TARGETS.scaleP50Ratio && big.afterPage.non2xx + small.afterPage.non2xx === 0,
    },
    {
      scenario: '4',
      measure: `GET /api/kickstarter/user/:id, ${SCALE_CONNECTIONS} conn: p50 at ${bigLabel} vs 1,000 rows`,
      server: fmt.ms(big.userPage.latencyMs.p50),
      reference: fmt.ms(small.userPage.latencyMs.p50),
      ratio: fmt.ratio(outcome.userRatio),
      target: `≤ ${TARGETS.scaleP50Ratio}`,
      pass: outcome.userRatio <= TARGETS.scaleP50Ratio && big.userPage.non2xx + small.userPage.non2xx === 0,
    },
  ];
}
