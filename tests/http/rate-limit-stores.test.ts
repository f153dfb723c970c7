import type { Options } from 'express-rate-limit';
import { BoundedMemoryStore } from '../../src/http/rate-limit-stores';

const windowOf = (windowMs: number) => ({ windowMs }) as Options;

describe('the in-memory rate-limit store', () => {
  let store: BoundedMemoryStore;
  afterEach(() => store.shutdown());

  test('when a key is hit, then its count grows within the window and starts again after it', async () => {
    store = new BoundedMemoryStore();
    store.init(windowOf(100));
    expect(store.increment('a').totalHits).toBe(1);
    expect(store.increment('a').totalHits).toBe(2);
    store.decrement('a');
    expect(store.get('a')?.totalHits).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(store.get('a')).toBeUndefined();
    expect(store.increment('a').totalHits).toBe(1);
  });

  test('when more keys arrive than it may hold, then it keeps the newest and never grows past its bound', () => {
    store = new BoundedMemoryStore(1_000);
    store.init(windowOf(60_000));
    for (let i = 0; i < 5_000; i += 1) store.increment(`key-${i}`);
    expect(store.size).toBe(1_000);
    expect(store.get('key-4999')?.totalHits).toBe(1);
    expect(store.get('key-0')).toBeUndefined();
  });

  test('when windows have passed, then a new key sweeps the expired ones first', async () => {
    store = new BoundedMemoryStore();
    store.init(windowOf(50));
    for (let i = 0; i < 100; i += 1) store.increment(`old-${i}`);
    await new Promise((resolve) => setTimeout(resolve, 70));
    store.increment('new');
    expect(store.size).toBe(1);
  });
});
