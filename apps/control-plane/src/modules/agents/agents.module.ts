import { Module } from '@nestjs/common';
import { TenantDatabase } from '../../platform/database/tenant-database.js';
import { AgentsController } from './api/agents.controller.js';
import { LabelAgentHandler } from './commands/label-agent/label-agent.handler.js';
import { RegisterAgentHandler } from './commands/register-agent/register-agent.handler.js';
import { ResumeAgentHandler } from './commands/resume-agent/resume-agent.handler.js';
import { RetireAgentHandler } from './commands/retire-agent/retire-agent.handler.js';
import { SuspendAgentHandler } from './commands/suspend-agent/suspend-agent.handler.js';
import { AgentsProjection } from './storage/agents.projection.js';
import { AgentsRepository } from './storage/agents.repository.js';
import { GetAgentHandler } from './queries/get-agent/get-agent.handler.js';
import { ListAgentsHandler } from './queries/list-agents/list-agents.handler.js';

/** The Agent context: registration and agent tokens, labels, the kill switch, retirement. */
@Module({
  controllers: [AgentsController],
  providers: [
    { provide: AgentsRepository, inject: [TenantDatabase], useFactory: (db: TenantDatabase) => new AgentsRepository(db) },
    AgentsProjection,
    RegisterAgentHandler,
    LabelAgentHandler,
    SuspendAgentHandler,
    ResumeAgentHandler,
    RetireAgentHandler,
    GetAgentHandler,
    ListAgentsHandler,
  ],
  exports: [AgentsRepository],
})
export class AgentsModule {}
