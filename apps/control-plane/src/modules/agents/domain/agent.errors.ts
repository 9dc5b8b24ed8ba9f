import { DomainError } from '../../../shared/domain/domain-error.js';

/** Stable codes of the agent context; the API puts them in problem+json `code`. */
export type AgentErrorCode =
  | 'agent.invalid_name'
  | 'agent.invalid_field'
  | 'agent.invalid_label'
  | 'agent.too_many_labels'
  | 'agent.retired'
  | 'agent.not_found'
  | 'agent.name_taken';

export class AgentError extends DomainError {
  constructor(
    override readonly code: AgentErrorCode,
    kind: DomainError['kind'],
    message: string,
    /** JSON pointer of the offending input field, when there is one. */
    field?: string,
  ) {
    super(code, kind, message, field === undefined ? {} : { field });
    this.name = 'AgentError';
  }
}

export const agentNotFound = (): AgentError => new AgentError('agent.not_found', 'not_found', 'agent not found');
