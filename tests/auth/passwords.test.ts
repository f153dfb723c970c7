import bcrypt from 'bcryptjs';
import { BcryptPool } from '../../src/auth/bcrypt-pool';
import { createPasswords } from '../../src/auth/passwords';

describe('bcrypt on worker threads', () => {
  let pool: BcryptPool;
  beforeEach(() => {
    pool = new BcryptPool(2);
  });
  afterEach(() => pool.close());

  test('when a password is hashed on the pool, then bcryptjs verifies it and the cost is the one asked for', async () => {
    const passwords = createPasswords(5, pool);
    const hash = await passwords.hash('correct horse');
    expect(hash).toMatch(/^\$2b\$05\$/);
    expect(bcrypt.compareSync('correct horse', hash)).toBe(true);
    expect(await passwords.verify('correct horse', hash)).toBe(true);
    expect(await passwords.verify('wrong horse', hash)).toBe(false);
  });

  test('when a hash was made elsewhere with the $2a$ prefix, then it still verifies', async () => {
    const legacy = bcrypt.hashSync('legacy password', 4).replace(/^\$2b\$/, '$2a$');
    expect(await createPasswords(4, pool).verify('legacy password', legacy)).toBe(true);
  });

  test('when there is no hash (unknown user), then verify spends a comparison and says false', async () => {
    expect(await createPasswords(4, pool).verify('anything', undefined)).toBe(false);
  });

  test('when more tasks than workers arrive at once, then all complete with distinct salts', async () => {
    const hashes = await Promise.all(Array.from({ length: 9 }, (_, i) => pool.hash(`password ${i}`, 4)));
    expect(new Set(hashes).size).toBe(9);
    const checks = await Promise.all(hashes.map((hash, i) => pool.compare(`password ${i}`, hash)));
    expect(checks.every(Boolean)).toBe(true);
  });

  test('when bcrypt rejects its input, then only that task fails and the pool goes on', async () => {
    await expect(pool.hash('x', 'not a salt' as unknown as number)).rejects.toThrow(/salt/i);
    await expect(pool.compare('x', 'not a hash')).resolves.toBe(false);
    expect(await pool.compare('y', await pool.hash('y', 4))).toBe(true);
  });

  test('when a worker dies mid-task, then that task fails and a new worker takes its place', async () => {
    // The workers are the shared WorkerPool's (src/worker-pool.ts), inside this BcryptPool.
    const { slots } = (pool as unknown as { pool: { slots: Array<{ worker: { terminate(): Promise<number> } }> } }).pool;
    const pending = Promise.all([pool.hash('a', 10), pool.hash('b', 10)]);
    await slots[0]!.worker.terminate();
    await expect(pending).rejects.toThrow(/exited/);
    expect(await pool.compare('c', await pool.hash('c', 4))).toBe(true);
  });

  test('when closed, then new work is refused', async () => {
    await pool.close();
    await expect(pool.hash('x', 4)).rejects.toThrow('bcrypt pool closed');
  });
});
