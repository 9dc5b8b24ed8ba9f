import { Query } from '@nestjs/cqrs';
import type { PolicyFormat, PolicyValidation } from '../../domain/policy-source.js';

/** A dry run: would this source publish? Nothing is recorded. */
export class ValidatePolicyQuery extends Query<PolicyValidation> {
  constructor(
    readonly source: string,
    readonly format: PolicyFormat,
  ) {
    super();
  }
}
