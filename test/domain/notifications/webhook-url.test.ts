import { describe, expect, it } from 'vitest';
import { nonPublicRange, webhookUrlProblem } from '../../../domain/notifications/webhook-url.js';

const strict = { allowPrivateTargets: false, requireHttps: false };

describe('webhook URL rules', () => {
  it.each([
    'http://127.0.0.1:8080/x',
    'http://127.1/',
    'http://0x7f000001/',
    'http://2130706433/',
    'http://10.1.2.3/',
    'http://172.16.0.1/',
    'http://192.168.1.1/',
    'http://169.254.169.254/latest/meta-data',
    'http://100.64.0.1/',
    'http://0.0.0.0/',
    'http://[::1]/',
    'http://[::]/',
    'http://[fe80::1]/',
    'http://[fd12:3456::1]/',
    'http://[fc00::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:8.8.8.8]/',
    'http://[64:ff9b::a00:1]/',
    'http://localhost/',
    'http://LOCALHOST./',
    'http://hooks.localhost:9000/',
  ])('refuses %s unless private targets are allowed', (url) => {
    expect(webhookUrlProblem(url, strict)).toMatch(/must not point at/);
    expect(webhookUrlProblem(url, { allowPrivateTargets: true, requireHttps: false })).toBeUndefined();
  });

  it('lets public addresses and names through', () => {
    expect(webhookUrlProblem('https://hooks.example.com/x', strict)).toBeUndefined();
    expect(webhookUrlProblem('https://8.8.8.8/x', strict)).toBeUndefined();
    expect(webhookUrlProblem('https://[2606:4700::1111]/x', strict)).toBeUndefined();
  });

  it('requires https where the stage says so, even for a public name', () => {
    expect(webhookUrlProblem('http://hooks.example.com/x', { allowPrivateTargets: false, requireHttps: true })).toBe('must use https on this stage');
    expect(webhookUrlProblem('https://hooks.example.com/x', { allowPrivateTargets: false, requireHttps: true })).toBeUndefined();
  });

  it('classifies resolved addresses the same way', () => {
    expect(nonPublicRange('10.0.0.7')).toBe('private');
    expect(nonPublicRange('::ffff:10.0.0.7')).toBe('ipv4Mapped');
    expect(nonPublicRange('8.8.8.8')).toBeUndefined();
  });
});
