import { describe, expect, it } from 'vitest';
import { ControlPlaneMetrics } from './control-plane-metrics.js';

describe('ControlPlaneMetrics', () => {
  it('labels requests by route template, an unmatched request as unmatched, an unknown method as other', async () => {
    const metrics = new ControlPlaneMetrics({ processMetrics: false });
    metrics.observeRequest('GET', '/v1/agents/:agentId', 200, 0.004);
    metrics.observeRequest('GET', undefined, 404, 0.001);
    metrics.observeRequest('BREW', undefined, 404, 0.001);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^thoth_control_plane_http_requests_total\{method="GET",route="\/v1\/agents\/:agentId",status_code="200"\} 1$/m);
    expect(text).toMatch(/^thoth_control_plane_http_requests_total\{method="GET",route="unmatched",status_code="404"\} 1$/m);
    expect(text).toMatch(/^thoth_control_plane_http_requests_total\{method="other",route="unmatched",status_code="404"\} 1$/m);
    expect(text).toMatch(/^thoth_control_plane_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/v1\/agents\/:agentId"\} 1$/m);
  });

  it('reads its sources at scrape time, and leaves the lag without a value when it cannot be measured', async () => {
    const metrics = new ControlPlaneMetrics({ processMetrics: false });
    const failures: unknown[] = [];
    let published = 2;
    metrics.attach({
      snapshots: { get published() { return published; } },
      streams: { stats: () => ({ streams: 3 }), configStates: () => ({ current: 4, behind: 1, unpublished: 0 }) },
      ingestion: {
        totals: () => ({ inserted: 7, duplicates: 1, poison: 0, unknownTenant: 0, unattributed: 0, quarantined: { 'receipt.unknown_key': 2 } }),
        lag: () => Promise.reject(new Error('broker away')),
      },
      ready: () => true,
      onLagError: (error) => failures.push(error),
    });
    published = 5;
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^thoth_control_plane_snapshots_published_total 5$/m);
    expect(text).toMatch(/^thoth_control_plane_enforcer_streams 3$/m);
    expect(text).toMatch(/^thoth_control_plane_enforcer_tenant_configs\{state="behind"\} 1$/m);
    expect(text).toMatch(/^thoth_control_plane_decisions_ingested_total\{result="inserted"\} 7$/m);
    expect(text).toMatch(/^thoth_control_plane_decisions_quarantined_total\{reason="receipt.unknown_key"\} 2$/m);
    expect(text).not.toMatch(/^thoth_control_plane_decision_ingestion_lag_messages\{/m);
    expect(text).toMatch(/^thoth_control_plane_ready 1$/m);
    expect(failures).toHaveLength(1);
  });
});
