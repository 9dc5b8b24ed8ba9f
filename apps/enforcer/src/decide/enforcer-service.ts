import type { DecideRequest, Enforcer } from '@thoth/contracts';
import type { HandlerContext, ServiceHandlers } from '@thoth/grpc';
import { bearerToken, type DecisionService } from './decision-service.js';
import type { EnforcerMetrics } from './metrics.js';

/**
 * `thoth.decision.v1.Enforcer` over the DecisionService. Decide answers a refused request
 * with its gRPC status (the recorded decision id and error code in trailing metadata);
 * DecideStream answers it in-band (effect DENY, error_code set) so one bad request does
 * not end a pipelined stream. The agent token is read from each call's metadata.
 */
export function enforcerHandlers(service: DecisionService, metrics?: EnforcerMetrics): ServiceHandlers<typeof Enforcer> {
  const unaryLatency = metrics?.latency.labels({ method: 'Decide' });
  const streamLatency = metrics?.latency.labels({ method: 'DecideStream' });
  return {
    decide(request: DecideRequest, context: HandlerContext) {
      const started = process.hrtime.bigint();
      const result = service.decide(request, bearerToken(context.metadata));
      unaryLatency?.observe(Number(process.hrtime.bigint() - started) / 1e9);
      if (!result.ok) throw result.error;
      return result.response;
    },
    async *decideStream(requests: AsyncIterable<DecideRequest>, context: HandlerContext) {
      const token = bearerToken(context.metadata);
      for await (const request of requests) {
        const started = process.hrtime.bigint();
        const result = service.decide(request, token);
        streamLatency?.observe(Number(process.hrtime.bigint() - started) / 1e9);
        yield result.response;
      }
    },
  };
}
