import { describe, expect, it } from 'vitest';
import { DEFAULT_BAN_SETTINGS, DEFAULT_DETECTION, type DetectionThresholds } from '../../domain/contract/detection-settings.js';
import { readConfig } from '../../functions/shared/config.js';
import { parseStageConfig, resolveStageConfig, STAGES } from '../../infra/config.js';

describe('stage config', () => {
  it('resolves every stage to the reviewed values', () => {
    const resolved = Object.fromEntries(STAGES.map((stage) => [stage, resolveStageConfig(stage)]));

    expect(resolved).toMatchSnapshot();
  });

  it('refuses an unknown stage, naming the valid ones', () => {
    expect(() => resolveStageConfig('production')).toThrow(/unknown stage "production".*dev\|staging\|prod/);
  });

  it('refuses a missing stage instead of defaulting to one', () => {
    expect(() => resolveStageConfig(undefined)).toThrow(/no stage.*-c stage=/);
  });

  it('protects and retains prod data', () => {
    const prod = resolveStageConfig('prod');

    expect(prod.table).toEqual({ deletionProtection: true, removalPolicy: 'retain' });
  });

  it('names each invalid field', () => {
    const broken = { ...resolveStageConfig('dev'), failMode: 'maybe', logs: { retentionDays: 8, level: 'INFO', removalPolicy: 'destroy' } };

    expect(() => parseStageConfig(broken)).toThrow(/failMode[\s\S]*logs\.retentionDays|logs\.retentionDays[\s\S]*failMode/);
  });

  it('refuses a deletion-protected table that would be destroyed with its stack', () => {
    const contradictory = { ...resolveStageConfig('dev'), table: { deletionProtection: true, removalPolicy: 'destroy' } };

    expect(() => parseStageConfig(contradictory)).toThrow(/deletion-protected table must also be retained/);
  });

  it('refuses keys it does not know, so a typo cannot silently fall back to a default', () => {
    const typo = { ...resolveStageConfig('dev'), alarms: { ...resolveStageConfig('dev').alarms, dlqDepht: 3 } };

    expect(() => parseStageConfig(typo)).toThrow(/dlqDepht/);
  });

  it('hands the functions destination thresholds in the shape the domain reads, equal to its defaults in prod', () => {
    const destinations: DetectionThresholds = resolveStageConfig('prod').detection.destinations;

    expect(destinations).toEqual(DEFAULT_DETECTION);
  });

  it('gives every stage the detection defaults a function falls back to without them', () => {
    const fallback = readConfig({});

    for (const stage of STAGES) {
      const { destinations, rangeWatch, ipBan } = resolveStageConfig(stage).detection;
      expect(destinations, stage).toEqual(fallback.detection);
      expect(rangeWatch, stage).toEqual(fallback.rangeWatch);
      expect({ threshold: ipBan.threshold, windowSeconds: ipBan.windowSeconds, baseSeconds: ipBan.banSeconds, maxSeconds: ipBan.maxBanSeconds, repeatWindowSeconds: ipBan.repeatWindowDays * 86_400 }, stage).toEqual(fallback.bans);
    }
    expect(fallback.bans).toEqual(DEFAULT_BAN_SETTINGS);
  });

  it('refuses an authorizer cache that would let a revoked credential pass longer than the contract allows', () => {
    const slow = { ...resolveStageConfig('prod'), api: { ...resolveStageConfig('prod').api, authorizerCacheTtlSeconds: 60 } };

    expect(() => parseStageConfig(slow)).toThrow(/authorizerCacheTtlSeconds/);
  });

  it('refuses a prod that would top balances up through the always-succeeding payment simulator', () => {
    const freeMoney = { ...resolveStageConfig('prod'), payments: { simulated: 'succeed' } };

    expect(() => parseStageConfig(freeMoney)).toThrow(/simulator that always succeeds/);
  });
});
