import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/usage-error.js';
import { loadConfig, parseDuration, parseListen } from '../../src/config.js';

describe('parseDuration', () => {
  it.each([
    ['10m', 600_000],
    ['30s', 30_000],
    ['1h', 3_600_000],
    ['500ms', 500],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
    ['0', 0],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '10', 'm', '10x', '10m junk', '-5s', '1d', 's10'])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow(UsageError);
  });
});

describe('parseListen', () => {
  it('reads host and port', () => {
    expect(parseListen('0.0.0.0:8080')).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(parseListen('[::1]:9000')).toEqual({ host: '::1', port: 9000 });
    expect(parseListen(':8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseListen('8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseListen('localhost:0')).toEqual({ host: 'localhost', port: 0 });
  });
  it.each(['host:', 'host:99999', 'host:http', '::1:80', ''])('rejects %j', (text) => {
    expect(() => parseListen(text)).toThrow(UsageError);
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bugserve-config-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('uses the defaults', async () => {
    const cwd = process.cwd();
    const c = await loadConfig({}, {});
    expect(c.dataDir).toBe(path.join(cwd, 'data'));
    expect(c.reposDir).toBe(path.join(cwd, 'data', 'repos'));
    expect(c.host).toBe('127.0.0.1');
    expect(c.port).toBe(23232);
    expect(c.idleTimeoutMs).toBe(600_000);
    expect(c.maxWorkers).toBeGreaterThan(0);
    expect(c.cacheMode).toBe('warm');
    expect(c.pushToken).toBeUndefined();
  });

  it('prefers flags over environment over config.json', async () => {
    await writeFile(
      path.join(dir, 'config.json'),
      JSON.stringify({ listen: '127.0.0.1:1111', idleTimeout: '1m', 'max-workers': 3, cache: 'per-request', pushToken: 'file-token' }),
    );
    const env = { BUGSERVE_DATA: dir, BUGSERVE_LISTEN: '127.0.0.1:2222', BUGSERVE_IDLE_TIMEOUT: '2m' };

    const fileOnly = await loadConfig({ data: dir }, {});
    expect(fileOnly).toMatchObject({ port: 1111, idleTimeoutMs: 60_000, maxWorkers: 3, cacheMode: 'per-request', pushToken: 'file-token' });

    const withEnv = await loadConfig({}, env);
    expect(withEnv.dataDir).toBe(dir);
    expect(withEnv).toMatchObject({ port: 2222, idleTimeoutMs: 120_000, maxWorkers: 3 });

    const withFlags = await loadConfig(
      { listen: '127.0.0.1:3333', 'idle-timeout': '30s', 'max-workers': '5' },
      {
        ...env,
        BUGSERVE_MAX_WORKERS: '4',
        BUGSERVE_PUSH_TOKEN: 'env-token',
      },
    );
    expect(withFlags).toMatchObject({ port: 3333, idleTimeoutMs: 30_000, maxWorkers: 5, pushToken: 'env-token' });
  });

  it('reads image hosts as a list, none by default', async () => {
    expect((await loadConfig({ data: dir }, {})).imageHosts).toEqual([]);
    const c = await loadConfig({ data: dir }, { BUGSERVE_IMAGE_HOSTS: 'img.example.com, *.githubusercontent.com' });
    expect(c.imageHosts).toEqual(['img.example.com', '*.githubusercontent.com']);
  });

  it('reads the data folder from the flag before the environment', async () => {
    const c = await loadConfig({ data: dir }, { BUGSERVE_DATA: '/elsewhere' });
    expect(c.dataDir).toBe(dir);
  });

  it('rejects bad values, unknown flags and unknown config keys', async () => {
    await expect(loadConfig({ data: dir, cache: 'lukewarm' }, {})).rejects.toThrow(/^--cache: .*warm/);
    await expect(loadConfig({ data: dir, 'max-workers': '0' }, {})).rejects.toThrow(UsageError);
    await expect(loadConfig({ data: dir, 'idle-timeout': 'soon' }, {})).rejects.toThrow(UsageError);
    // A bad value names where it came from: the variable, or the file and key.
    await expect(loadConfig({ data: dir }, { BUGSERVE_LISTEN: 'nowhere:port' })).rejects.toThrow(
      /^BUGSERVE_LISTEN: "nowhere:port" is not a listen address/,
    );
    await expect(loadConfig({ data: dir }, { BUGSERVE_MAX_WORKERS: 'many' })).rejects.toThrow(/^BUGSERVE_MAX_WORKERS: /);
    await expect(loadConfig({ data: dir }, { BUGSERVE_IMAGE_HOSTS: 'http://x/y' })).rejects.toThrow(/^BUGSERVE_IMAGE_HOSTS: /);
    await writeFile(path.join(dir, 'config.json'), '{"idleTimeout": "soon"}');
    await expect(loadConfig({ data: dir }, {})).rejects.toThrow(/config\.json "idle-timeout": "soon" is not a duration/);
    await writeFile(path.join(dir, 'config.json'), '{"listne": "x"}');
    await expect(loadConfig({ data: dir }, {})).rejects.toThrow(/listne/);
    await writeFile(path.join(dir, 'config.json'), '{not json');
    await expect(loadConfig({ data: dir }, {})).rejects.toThrow(/not valid JSON/);
  });
});
