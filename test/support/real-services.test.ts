import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWith } from './real-components';
import { MariaDbService, PostgresService, psqlAs, RedisService, startMariaDb, startPostgres, startRedis } from './real-services';

// The helpers other runtime tests build on: each server starts, answers, and refuses what it should.
describeWith(['apt'], 'real services (PostgreSQL, Redis, MariaDB from Debian)', () => {
  let pg: PostgresService;
  let redis: RedisService;
  let maria: MariaDbService;
  beforeAll(async () => {
    [pg, redis, maria] = await Promise.all([startPostgres(), startRedis({ args: ['--requirepass', 'pw'] }), startMariaDb()]);
  }, 120_000);
  afterAll(async () => { await Promise.all([pg?.stop(), redis?.stop(), maria?.stop()]); });

  it('PostgreSQL takes SCRAM logins over TCP and refuses a wrong password', async () => {
    await pg.sql("CREATE ROLE tester LOGIN PASSWORD 'right'");
    const ok = await psqlAs({ url: `postgresql://tester@127.0.0.1:${pg.port}/postgres`, sql: 'SELECT current_user', env: { PGPASSWORD: 'right' } });
    expect(ok.stdout.trim()).toBe('tester');
    const bad = await psqlAs({ url: `postgresql://tester@127.0.0.1:${pg.port}/postgres`, sql: 'SELECT 1', env: { PGPASSWORD: 'wrong' } });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('password authentication failed');
  });

  it('Redis requires its password', async () => {
    expect((await redis.cli(['PING'], 'pw')).stdout.trim()).toBe('PONG');
    expect((await redis.cli(['PING'])).stdout).toContain('NOAUTH');
  });

  it('MariaDB runs SQL', async () => {
    expect((await maria.sql('SELECT 6*7')).trim()).toBe('42');
    expect(maria.version).toMatch(/MariaDB/);
  });
});
