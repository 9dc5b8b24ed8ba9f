import { Module } from '@nestjs/common';
import { TenantDatabase } from '../../platform/database/tenant-database.js';
import { EnforcersController } from './api/enforcers.controller.js';
import { EnforcerStatusRecorder } from './config-stream/enforcer-status.recorder.js';
import { EnforcerTokenAuthenticator } from './config-stream/enforcer-token.authenticator.js';
import { DecommissionEnforcerHandler } from './commands/decommission-enforcer/decommission-enforcer.handler.js';
import { MarkEnforcerSeenHandler } from './commands/mark-enforcer-seen/mark-enforcer-seen.handler.js';
import { RecordEnforcerActivationHandler } from './commands/record-enforcer-activation/record-enforcer-activation.handler.js';
import { RecordEnforcerRejectionHandler } from './commands/record-enforcer-rejection/record-enforcer-rejection.handler.js';
import { RecordReceiptKeyHandler } from './commands/record-receipt-key/record-receipt-key.handler.js';
import { RegisterEnforcerHandler } from './commands/register-enforcer/register-enforcer.handler.js';
import { EnforcersProjection } from './storage/enforcers.projection.js';
import { EnforcersRepository } from './storage/enforcers.repository.js';
import { GetEnforcerHandler } from './queries/get-enforcer/get-enforcer.handler.js';
import { ListEnforcersHandler } from './queries/list-enforcers/list-enforcers.handler.js';
import { ListReceiptKeysHandler } from './queries/list-receipt-keys/list-receipt-keys.handler.js';

/** The Enforcer context: registrations and tokens, and what each enforcer activated and when it was seen. */
@Module({
  controllers: [EnforcersController],
  providers: [
    { provide: EnforcersRepository, inject: [TenantDatabase], useFactory: (db: TenantDatabase) => new EnforcersRepository(db) },
    EnforcersProjection,
    RegisterEnforcerHandler,
    RecordEnforcerActivationHandler,
    RecordReceiptKeyHandler,
    RecordEnforcerRejectionHandler,
    MarkEnforcerSeenHandler,
    DecommissionEnforcerHandler,
    GetEnforcerHandler,
    ListEnforcersHandler,
    ListReceiptKeysHandler,
    EnforcerTokenAuthenticator,
    EnforcerStatusRecorder,
  ],
  // For the config stream server: who holds an enforcer token, and where ACK/NACK/heartbeats go.
  exports: [EnforcersRepository, EnforcerTokenAuthenticator, EnforcerStatusRecorder],
})
export class EnforcersModule {}
