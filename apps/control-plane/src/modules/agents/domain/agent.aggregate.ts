import { AggregateRoot } from '../../../shared/domain/aggregate-root.js';
import type { RecordedEvent } from '../../../shared/domain/domain-event.js';
import { AgentError, agentNotFound } from './agent.errors.js';
import { normalizeLabels } from './agent-labels.js';
import {
  AgentLabeled,
  AgentRegistered,
  AgentResumed,
  AgentRetired,
  AgentSuspended,
  type AgentEvent,
} from './events/index.js';
import { issueToken } from '../../../shared/domain/secret-token.js';

export type AgentStatus = 'active' | 'suspended' | 'retired';

// Policies name agents by this (`agents.ids`, credential `agents`), so it is a slug, not free text.
const AGENT_NAME = /^[a-z0-9]([a-z0-9._-]{0,62})$/;
const MAX_DESCRIPTION = 1_000;
const MAX_REASON = 1_000;

export interface RegisterAgentInput {
  readonly agentId: string;
  readonly tenantId: string;
  readonly name: string;
  readonly description?: string | null;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface LabelChanges {
  readonly set?: Readonly<Record<string, string>>;
  readonly remove?: readonly string[];
}

function optionalText(value: string | null | undefined, max: number, field: string): string | null {
  if (value === undefined || value === null || value.trim() === '') return null;
  if (value.length > max) throw new AgentError('agent.invalid_field', 'invalid', `${field} is longer than ${max} characters`, `/${field}`);
  return value;
}

/** Stream of one agent in the event store. */
export const agentStreamId = (agentId: string): string => `agent-${agentId}`;

/**
 * An AI agent of a tenant: what policies select, what the kill switch stops.
 * Rebuilt from its events (`fromHistory`); each command method checks the invariants,
 * then raises events.
 */
export class Agent extends AggregateRoot<AgentEvent> {
  #id = '';
  #tenantId = '';
  #name = '';
  #description: string | null = null;
  #labels: Readonly<Record<string, string>> = {};
  #status: AgentStatus = 'active';
  #tokenHash = '';
  #tokenHint = '';

  private constructor() {
    super();
  }

  /** Registers an agent and issues its token; `token` is the only time the secret exists. */
  static register(input: RegisterAgentInput, now: Date): { agent: Agent; token: string } {
    if (!AGENT_NAME.test(input.name)) {
      throw new AgentError('agent.invalid_name', 'invalid', `agent name '${input.name}' must be 1-63 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit`, '/name');
    }
    const labels = normalizeLabels(input.labels ?? {});
    const description = optionalText(input.description, MAX_DESCRIPTION, 'description');
    const token = issueToken('agent');
    const agent = new Agent();
    agent.raise(
      new AgentRegistered({
        agentId: input.agentId,
        tenantId: input.tenantId,
        name: input.name,
        description,
        labels,
        tokenHash: token.hash,
        tokenHint: token.hint,
        registeredAt: now.toISOString(),
      }),
    );
    return { agent, token: token.secret };
  }

  /** Loads an agent from its stream; an empty stream is an agent that does not exist (404). */
  static fromHistory(history: readonly RecordedEvent[]): Agent {
    if (history.length === 0) throw agentNotFound();
    return new Agent().loadFrom(history);
  }

  get id(): string {
    return this.#id;
  }
  get tenantId(): string {
    return this.#tenantId;
  }
  get name(): string {
    return this.#name;
  }
  get description(): string | null {
    return this.#description;
  }
  get labels(): Readonly<Record<string, string>> {
    return this.#labels;
  }
  get status(): AgentStatus {
    return this.#status;
  }
  get tokenHash(): string {
    return this.#tokenHash;
  }
  get tokenHint(): string {
    return this.#tokenHint;
  }
  /** Sets and removes labels; a change that changes nothing records nothing. */
  label(changes: LabelChanges, now: Date): void {
    this.#assertNotRetired('labeled');
    const set = normalizeLabels(changes.set ?? {});
    const removed = [...new Set(changes.remove ?? [])].sort();
    for (const key of removed) {
      if (key in set) throw new AgentError('agent.invalid_label', 'invalid', `label '${key}' is both set and removed`, '/remove');
    }
    const next: Record<string, string> = { ...this.#labels, ...set };
    for (const key of removed) delete next[key];
    const labels = normalizeLabels(next);
    if (sameLabels(labels, this.#labels)) return;
    this.raise(
      new AgentLabeled({
        agentId: this.#id,
        labels,
        set,
        removed: removed.filter((k) => k in this.#labels),
        labeledAt: now.toISOString(),
      }),
    );
  }

  /** The kill switch. Suspending a suspended agent is a no-op, so a panicking operator can retry. */
  suspend(reason: string | null | undefined, now: Date): void {
    this.#assertNotRetired('suspended');
    if (this.#status === 'suspended') return;
    this.raise(new AgentSuspended({ agentId: this.#id, reason: optionalText(reason, MAX_REASON, 'reason'), suspendedAt: now.toISOString() }));
  }

  resume(now: Date): void {
    this.#assertNotRetired('resumed');
    if (this.#status === 'active') return;
    this.raise(new AgentResumed({ agentId: this.#id, resumedAt: now.toISOString() }));
  }

  /** Terminal. Retiring twice is a no-op. */
  retire(reason: string | null | undefined, now: Date): void {
    if (this.#status === 'retired') return;
    this.raise(new AgentRetired({ agentId: this.#id, reason: optionalText(reason, MAX_REASON, 'reason'), retiredAt: now.toISOString() }));
  }

  protected apply(event: AgentEvent): void {
    switch (event.type) {
      case AgentRegistered.type: {
        const p = event.payload;
        this.#id = p.agentId;
        this.#tenantId = p.tenantId;
        this.#name = p.name;
        this.#description = p.description;
        this.#labels = p.labels;
        this.#tokenHash = p.tokenHash;
        this.#tokenHint = p.tokenHint;
        this.#status = 'active';
        break;
      }
      case AgentLabeled.type:
        this.#labels = event.payload.labels;
        break;
      case AgentSuspended.type:
        this.#status = 'suspended';
        break;
      case AgentResumed.type:
        this.#status = 'active';
        break;
      case AgentRetired.type:
        this.#status = 'retired';
        break;
    }
  }

  #assertNotRetired(what: string): void {
    if (this.#status === 'retired') {
      throw new AgentError('agent.retired', 'conflict', `agent '${this.#name}' is retired and cannot be ${what}`);
    }
  }
}

function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ak = Object.keys(a);
  return ak.length === Object.keys(b).length && ak.every((k) => Object.hasOwn(b, k) && b[k] === a[k]);
}
