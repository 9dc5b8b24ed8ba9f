import type { EventStore } from '../../../event-store/event-store.js';
import type { Clock } from '../../../platform/clock/clock.js';
import { RegisterEnforcerCommand } from './register-enforcer/register-enforcer.command.js';
import { RegisterEnforcerHandler } from './register-enforcer/register-enforcer.handler.js';

// Shared by this context's handler tests.
export const t0 = new Date('2026-05-01T00:00:00.000Z');
export const clock: Clock = { now: () => t0 };
export const caller = { tenantId: 'c0ffee00-0000-4000-8000-000000000001', actor: 'key:k1', requestId: 'req-1' };
export const at = (seconds: number): Date => new Date(t0.getTime() + seconds * 1000);

export async function registerEnforcer(store: EventStore): Promise<string> {
  return (await new RegisterEnforcerHandler(store, clock).execute(new RegisterEnforcerCommand(caller, 'edge-a'))).enforcerId;
}
