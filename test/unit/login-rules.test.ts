import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/env.js';
import {
  DEFAULT_LOGIN_THROTTLE,
  describeWait,
  normaliseUsername,
  waitAfterFailures,
} from '../../domain/login-throttle.js';
import { safeNextPath } from '../../server/auth/next-path.js';

describe('where log-in may send the browser next', () => {
  it('accepts paths of this site, query and encoded characters included', () => {
    for (const path of [
      '/',
      '/board',
      '/tasks/household-H1%2Fabc%2Ft3',
      '/households/H1?tab=visits#ledger',
      '/report?week=2024-05',
    ])
      expect(safeNextPath(path), path).toBe(path);
  });

  it('refuses anything a browser could read as another site, decoded or not', () => {
    const attacks = [
      '/%5Cevil.example/',
      '/%255Cevil.example/',
      '/\\evil.example/',
      '//evil.example/',
      '/%2F/evil.example/',
      '/%2f%2fevil.example',
      '/\t/evil.example',
      '/%09/evil.example',
      '/%0d%0aLocation:%20https://evil.example',
      'https://evil.example/',
      'javascript:alert(1)',
      'evil.example',
      '',
      '/%E0%A4%A',
      `/${'a'.repeat(2_001)}`,
    ];
    for (const attack of attacks) expect(safeNextPath(attack), attack).toBeUndefined();
    expect(safeNextPath(['/board'])).toBeUndefined();
    expect(safeNextPath(undefined)).toBeUndefined();
  });
});

describe('log-in limits', () => {
  it('read a user name the one way log-in reads it', () => {
    expect(normaliseUsername('  Admin ')).toBe('admin');
    expect(normaliseUsername('\u3000ＡＤＭＩＮ\t')).toBe('admin');
    expect(normaliseUsername('zhang.san-01')).toBe('zhang.san-01');
  });

  it('give five free tries, then waits of 30 s, doubling, capped at 15 minutes', () => {
    const waits = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20].map((n) =>
      waitAfterFailures(n, DEFAULT_LOGIN_THROTTLE),
    );
    expect(waits).toEqual([0, 0, 0, 0, 30_000, 60_000, 120_000, 240_000, 480_000, 900_000, 900_000]);
  });

  it('say the wait in words', () => {
    expect(describeWait(29_100)).toBe('30 秒');
    expect(describeWait(60_000)).toBe('1 分钟');
    expect(describeWait(61_000)).toBe('2 分钟');
    expect(describeWait(-5)).toBe('1 秒');
  });
});

describe('the absolute session lifetime', () => {
  it('is a setting: 7 days unless SESSION_MAX_AGE_DAYS says otherwise, refused when not a sane number', () => {
    expect(loadConfig({}).SESSION_MAX_AGE_DAYS).toBe(7);
    expect(loadConfig({ SESSION_MAX_AGE_DAYS: '0.5' }).SESSION_MAX_AGE_DAYS).toBe(0.5);
    expect(() => loadConfig({ SESSION_MAX_AGE_DAYS: '0' })).toThrow(/bad setting SESSION_MAX_AGE_DAYS/);
    expect(() => loadConfig({ SESSION_MAX_AGE_DAYS: 'a week' })).toThrow(/bad setting SESSION_MAX_AGE_DAYS/);
  });
});
