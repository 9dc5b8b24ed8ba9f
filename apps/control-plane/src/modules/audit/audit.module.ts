import { Module } from '@nestjs/common';
import { AuditController } from './api/audit.controller.js';
import { ListAuditEventsHandler } from './queries/list-audit-events/list-audit-events.handler.js';

/** The control plane's own audit trail, read from the event store. */
@Module({ controllers: [AuditController], providers: [ListAuditEventsHandler] })
export class AuditModule {}
