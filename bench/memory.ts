/**
 * Scenario 5: the server's resident memory at the end of the run and at its peak (VmHWM: on
 * PostgreSQL the server runs the whole benchmark in one process, so the peak is under the list
 * load); when the run is on PostgreSQL, also a short phase on the embedded database.
 */
import { type Backend, embeddedBackend } from './backend';
import { DURATION, LIST_CAMPAIGNS, LIST_CONNECTIONS, NO_EMBEDDED, PASSWORD, ServerHandle, TARGETS, log, login, measure } from './common';
import { growCampaigns, seedBase } from './data';
import { fmt, type Row } from './report';

/** The embedded database's server under the two lists for a few seconds, then its memory. */
async function embeddedMemoryPhase(passwordHash: string) {
  log('embedded database: short phase for its resident memory');
  const backend = await embeddedBackend();
  const server = new ServerHandle(backend);
  try {
    const fixture = await backend.withDb(async (knex) => {
      const f = await seedBase(knex, passwordHash, PASSWORD);
      await growCampaigns(knex, f, LIST_CAMPAIGNS);
      return f;
    });
    const child = await server.get();
    const token = await login(child.baseUrl, fixture);
    const seconds = Math.min(DURATION, 5);
    const images = await measure(
      'embedded server /api/images',
      { url: `${child.baseUrl}/api/images?limit=20`, headers: { authorization: `Bearer ${token}` }, connections: LIST_CONNECTIONS, durationSeconds: seconds },
      child,
      backend,
    );
    const campaigns = await measure(
      'embedded server /api/kickstarter',
      { url: `${child.baseUrl}/api/kickstarter?limit=20`, connections: LIST_CONNECTIONS, durationSeconds: seconds },
      child,
      backend,
    );
    const memory = child.memory();
    return { backend: backend.description, version: backend.version, rssAfterStart: server.rssAfterStart, memory, images, campaigns };
  } finally {
    await server.stop();
    await backend.dispose();
  }
}

/** The memory of `server` as the run ends, the embedded phase if due, and the table's lines. */
export async function memoryScenario(backend: Backend, server: ServerHandle, passwordHash: string): Promise<{ results: Record<string, unknown>; rows: Row[] }> {
  const memory = server.child?.memory();
  const results: Record<string, unknown> = {};
  results[backend.kind] = { memory, rssAfterStart: server.rssAfterStart, serverStarts: server.starts };
  const embedded = backend.kind === 'embedded' ? { memory } : NO_EMBEDDED ? undefined : await embeddedMemoryPhase(passwordHash);
  if (backend.kind === 'postgres') results.embedded = embedded ?? 'skipped (--no-embedded)';
  const rows: Row[] = [];
  if (backend.kind === 'postgres' && memory) {
    rows.push(
      {
        scenario: '5',
        measure: 'server resident memory at the end, PostgreSQL',
        server: fmt.mb(memory.rssBytes),
        reference: '',
        ratio: '',
        target: `≤ ${fmt.mb(TARGETS.postgresRssEndBytes)}`,
        pass: memory.rssBytes <= TARGETS.postgresRssEndBytes,
      },
      {
        scenario: '5',
        measure: '  peak resident memory over the whole run (list loads included), PostgreSQL',
        server: fmt.mb(memory.peakRssBytes),
        reference: '',
        ratio: '',
        target: `≤ ${fmt.mb(TARGETS.postgresRssPeakBytes)}`,
        pass: memory.peakRssBytes <= TARGETS.postgresRssPeakBytes,
      },
    );
  }
  if (embedded?.memory) {
    rows.push({
      scenario: '5',
      measure: `server resident memory at the end, embedded (peak)${backend.kind === 'postgres' ? ' — short phase' : ''}`,
      server: `${fmt.mb(embedded.memory.rssBytes)} (${fmt.mb(embedded.memory.peakRssBytes)})`,
      reference: '',
      ratio: '',
      target: 'none',
    });
  }
  return { results, rows };
}
