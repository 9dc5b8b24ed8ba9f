import { describe, expect, it } from 'vitest';
import { failModeFor, type FailModeOptions, type Risk } from './fail-mode.js';

describe('fail mode by risk', () => {
  const cases: [Risk, FailModeOptions, 'open' | 'closed'][] = [
    // destructive: always closed, whatever is configured
    ['destructive', {}, 'closed'],
    ['destructive', { tenant: 'open' }, 'closed'],
    ['destructive', { tenant: 'open', failOpenReads: true }, 'closed'],
    // write: the tenant's mode, closed by default
    ['write', {}, 'closed'],
    ['write', { tenant: 'closed' }, 'closed'],
    ['write', { tenant: 'open' }, 'open'],
    ['write', { failOpenReads: true }, 'closed'],
    // read: open when configured, else the tenant's mode
    ['read', {}, 'closed'],
    ['read', { failOpenReads: true }, 'open'],
    ['read', { tenant: 'open' }, 'open'],
    ['read', { tenant: 'closed', failOpenReads: false }, 'closed'],
  ];
  it.each(cases)('%s with %j fails %s', (risk, options, expected) => {
    expect(failModeFor(risk, options)).toBe(expected);
  });
});
