// One table of tool calls that both SDKs (TypeScript and Python) run against one enforcer;
// conformance.test.ts compares what each returns. Serialised as JSON for the Python runner
// (libs/sdk-python/tests/conformance_runner.py), so the table exists once.

/** Where the call goes: the real enforcer, an address nothing listens at, or the enforcer behind a relay that holds every byte once connected. */
export type Reach = 'enforcer' | 'unreachable' | 'hanging';

export interface ConformanceCase {
  readonly name: string;
  readonly tenant: 'enforce' | 'shadow';
  readonly tool: string;
  readonly risk: 'read' | 'write' | 'destructive';
  readonly arguments: Record<string, unknown>;
  readonly reach: Reach;
  readonly transport: 'stream' | 'unary';
  readonly badToken?: boolean;
  readonly failMode?: 'open' | 'closed';
  readonly failOpenReads?: boolean;
}

/** What one SDK returned for one case. */
export interface ConformanceResult {
  readonly name: string;
  /** The guard's outcome: allow, shadow_deny, deny, fail_open, fail_closed. */
  readonly outcome: string;
  readonly ran: boolean;
  /** Matched rule ids, sorted. */
  readonly rules: readonly string[];
  /** ThothDeniedError, ThothUnavailableError, ThothApprovalRequiredError, or null when nothing was raised. */
  readonly errorClass: string | null;
  readonly code: string | null;
  /** Decide attempts behind an unavailable error (retries only where safe); null otherwise. */
  readonly attempts: number | null;
  /** The receipt's outcome when one came back (ALLOW, DENY, WOULD_DENY), else null. */
  readonly receipt: string | null;
  /**
   * The model-facing message of a denial or a call held for approval (the one enforce mode would
   * raise, in shadow mode), the request's id and expiry written `<approval id>` and `<expiry>`
   * (`modelMessage`); null otherwise: an unavailable error's message quotes its gRPC library's own
   * detail, which differs.
   */
  readonly message: string | null;
}

const call = (name: string, over: Partial<ConformanceCase> & Pick<ConformanceCase, 'tool' | 'risk'>): ConformanceCase => ({
  name,
  tenant: 'enforce',
  arguments: { table: 'contacts', ids: [1, 2] },
  reach: 'enforcer',
  transport: 'stream',
  ...over,
});

export const CASES: readonly ConformanceCase[] = [
  call('a read is allowed', { tool: 'crm.read_contacts', risk: 'read' }),
  call('a read is allowed over unary', { tool: 'crm.read_contacts', risk: 'read', transport: 'unary' }),
  call('a delete in the freeze is denied', { tool: 'crm.delete_records', risk: 'destructive' }),
  call('a delete in the freeze is denied over unary', { tool: 'crm.delete_records', risk: 'destructive', transport: 'unary' }),
  call('a drop is denied by rule', { tool: 'db.drop_table', risk: 'write', arguments: { table: 'users' } }),
  call('a big refund is held for approval', { tool: 'payments.refund', risk: 'destructive', arguments: { amount: 900 } }),
  call('shadow mode runs a would-deny', { tool: 'crm.delete_records', risk: 'destructive', tenant: 'shadow' }),
  call('a bad token is refused', { tool: 'crm.read_contacts', risk: 'read', badToken: true }),
  call('a bad token is refused over unary', { tool: 'crm.read_contacts', risk: 'read', badToken: true, transport: 'unary' }),
  call('unreachable: destructive fails closed', { tool: 'crm.delete_records', risk: 'destructive', reach: 'unreachable', failMode: 'open', failOpenReads: true }),
  call('unreachable: a read fails open with failOpenReads', { tool: 'crm.read_contacts', risk: 'read', reach: 'unreachable', failOpenReads: true }),
  call('unreachable: a read fails closed without', { tool: 'crm.read_contacts', risk: 'read', reach: 'unreachable' }),
  call('unreachable: a write follows the tenant (open)', { tool: 'crm.update_contact', risk: 'write', reach: 'unreachable', failMode: 'open' }),
  call('hanging: destructive is not asked again', { tool: 'crm.delete_records', risk: 'destructive', reach: 'hanging' }),
  call('hanging: a write is asked again', { tool: 'crm.update_contact', risk: 'write', reach: 'hanging' }),
  call('hanging over unary: destructive is not asked again', { tool: 'crm.delete_records', risk: 'destructive', reach: 'hanging', transport: 'unary' }),
  call('hanging over unary: a read is asked again', { tool: 'crm.read_contacts', risk: 'read', reach: 'hanging', transport: 'unary' }),
];

/** A message as compared: each SDK's own approval request (id, expiry) replaced by a placeholder; the Python runner does the same. */
export function modelMessage(message: string): string {
  return message.replace(/approval request [0-9a-f-]{36}/g, 'approval request <approval id>').replace(/open until \S+Z/g, 'open until <expiry>');
}

/** Short enough that a hanging case is quick, long enough for the real enforcer on a busy machine. */
export const HANGING_DEADLINE_MS = 300;
export const DEADLINE_MS = 5_000;
