// Configuration from the environment: defaults that run locally, and a bad value named before anything starts.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../worker/config';

describe('configuration', () => {
  it('runs on embedded defaults with no environment at all', () => {
    const config = loadConfig({ BREACHLINE_DATA_DIR: '/tmp/bl' });
    expect(config.storeUrl).toBe('pglite:/tmp/bl/store');
    expect(config.codec.devKeyFile).toBe('/tmp/bl/codec.key');
    expect(config.mail.smtpUrl).toBe('smtp://127.0.0.1:2525');
    expect(config.temporal).toMatchObject({ address: 'localhost:7233', namespace: 'default', taskQueue: 'breachline' });
  });

  it('takes responders as a comma-separated list', () => {
    expect(loadConfig({ BREACHLINE_RESPONDERS: 'dpo@example.com, ciso@example.com' }).mail.responders).toEqual(['dpo@example.com', 'ciso@example.com']);
  });

  it('names every bad variable and the reason', () => {
    expect(() => loadConfig({ BREACHLINE_RESPONDERS: 'dpo@example.com,nobody', BREACHLINE_API_PORT: '70000', BREACHLINE_SMTP_URL: 'mail server' })).toThrow(
      'invalid configuration: BREACHLINE_SMTP_URL: Invalid URL; BREACHLINE_RESPONDERS.1: Invalid email address; BREACHLINE_API_PORT: Too big: expected number to be <=65535',
    );
  });
});
