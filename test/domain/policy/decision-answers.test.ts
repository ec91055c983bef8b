/**
 * Every answer the engine and the degraded path give, byte for byte: one case per rule and per shape of evidence
 * (test/support/decision-cases.ts), serialized as the switch receives it. The snapshot was taken before the engine
 * was reshaped around its rule table and typed evidence; it proves the answers did not change (key order included).
 */
import { describe, expect, it } from 'vitest';
import { degradedAnswers, engineAnswers } from '../../support/decision-cases.js';

const serialized = (answers: Record<string, unknown>) => Object.fromEntries(Object.entries(answers).map(([name, answer]) => [name, JSON.stringify(answer)]));

describe('the answers, byte for byte', () => {
  it('of the engine, for every rule and every shape of its evidence', () => {
    expect(serialized(engineAnswers())).toMatchSnapshot();
  });

  it('of the degraded path, for every way it decides', () => {
    expect(serialized(degradedAnswers())).toMatchSnapshot();
  });
});
