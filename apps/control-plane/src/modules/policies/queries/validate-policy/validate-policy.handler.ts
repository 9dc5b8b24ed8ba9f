import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { validatePolicySource, type PolicyValidation } from '../../domain/policy-source.js';
import { ValidatePolicyQuery } from './validate-policy.query.js';

@QueryHandler(ValidatePolicyQuery)
export class ValidatePolicyHandler implements IQueryHandler<ValidatePolicyQuery> {
  async execute({ source, format }: ValidatePolicyQuery): Promise<PolicyValidation> {
    return validatePolicySource(source, format);
  }
}
