import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config/env.js';

describe('secrets a deployment must set itself', () => {
  it.each([
    ['SESSION_SECRET', 'change-me-to-a-long-random-string'],
    ['ADMIN_PASSWORD', 'change-me-admin'],
    ['ADMIN_PASSWORD', 'CHANGEME-please-123'],
    ['SESSION_SECRET', 'placeholder-placeholder'],
  ])('refuses the placeholder %s=%s with one clear line', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(
      `bad setting ${name}: ${name} is a placeholder value`,
    );
  });

  it('accepts real ones', () => {
    const config = loadConfig({ SESSION_SECRET: 'f3a9c1d27b8e4f60a5d9', ADMIN_PASSWORD: 'Tq7-vR2m-Lp9x' });
    expect(config.SESSION_SECRET).toBe('f3a9c1d27b8e4f60a5d9');
  });
});
