import { Inject } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';

/**
 * What a context's API controller holds: the buses it turns requests into commands and
 * queries on. Subclasses inherit the constructor.
 */
export abstract class ApiController {
  constructor(
    @Inject(CommandBus) protected readonly commands: CommandBus,
    @Inject(QueryBus) protected readonly queries: QueryBus,
  ) {}
}
