import { type BeforeApplicationShutdown, type DynamicModule, Inject, Injectable, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { CONTROL_PLANE_INSTANCE, publicKeyBase64, signerFromSeed, type AnnouncedKey } from '@thoth/snapshot';
import type { Logger } from 'pino';
import type { DecisionsConfig, DistributionConfig } from '../../config/config.js';
import { Clock } from '../../platform/clock/clock.js';
import { TenantDatabase } from '../../platform/database/tenant-database.js';
import { derivedKey, loadSnapshotSeed } from '../../platform/keys/snapshot-seed.js';
import { CONTROL_PLANE_RECEIPT_KEY, LOGGER } from '../../platform/tokens.js';
import { DECISION_INGEST_HOOKS, type DecisionRecord } from '../decisions/index.js';
import { ApprovalsController } from './api/approvals.controller.js';
import { APPROVAL_KEYS, type ApprovalKeys } from './approvals.tokens.js';
import { DecideApprovalHandler } from './commands/decide-approval/decide-approval.handler.js';
import { approvalLinkToken } from './domain/approval-link.js';
import { ApprovalDesk } from './grpc/approval-desk.js';
import { ApprovalRequestRecorder } from './ingest/approval-request-recorder.js';
import { ApprovalDecisionPublisher, inProcessDecisionSink, kafkaDecisionSink, type DecisionSink } from './publish/approval-decision-publisher.js';
import { GetApprovalHandler } from './queries/get-approval/get-approval.handler.js';
import { ListApprovalsHandler } from './queries/list-approvals/list-approvals.handler.js';
import { OpenApprovalPageHandler } from './queries/open-approval-page/open-approval-page.handler.js';
import { ApprovalRequestsRepository } from './storage/approval-requests.repository.js';
import { ApprovalsProjection } from './storage/approvals.projection.js';

export interface ApprovalsOptions {
  /** The snapshot key's seed the approval keys are derived from. */
  readonly distribution: Pick<DistributionConfig, 'signingKey' | 'keyFile'>;
  /** Where the control plane's API is reached from outside: the base of the links alerts carry. */
  readonly publicUrl: string;
  /** The decision topic the signed approvals and rejections go to (thoth.decisions). */
  readonly decisions?: DecisionsConfig;
  /** Embedded mode: the in-process decision log instead. */
  readonly decisionLog?: { publish(event: Parameters<DecisionSink['publish']>[0][number]): void };
}

/** The link an approval alert carries to its request's page (the alerts context asks for it). */
export interface ApprovalLinks {
  /** The page's signed URL for an approval request decision; undefined for any other decision. */
  pageUrlOf(record: DecisionRecord): string | undefined;
}

export const APPROVAL_LINKS = Symbol('ApprovalLinks');

/** Every tenant's outbox is drained at start (what a crash left unsent) and every minute after. */
const RESYNC_INTERVAL_MS = 60_000;

@Injectable()
class ApprovalPublisherLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  #resync: NodeJS.Timeout | undefined;

  constructor(@Inject(ApprovalDecisionPublisher) private readonly publisher: ApprovalDecisionPublisher | null) {}

  onApplicationBootstrap(): void {
    const publisher = this.publisher;
    if (!publisher) return;
    void publisher.resync();
    this.#resync = setInterval(() => void publisher.resync(), RESYNC_INTERVAL_MS);
    this.#resync.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.#resync);
    await this.publisher?.close();
  }
}

/**
 * Approvals (docs/approvals.md): requests recorded from the decision stream (an ingest hook),
 * decided by approvers through the API or the page of an alert's signed link (each decision an
 * event of the audit trail and a decision of the control plane's own, signed with its receipt key
 * and published to the decision stream), used once by an enforcer through the config stream
 * (ApprovalDesk). Global: the alerts context reads its links, the decision verifier and the
 * receipt key directory its receipt key.
 */
@Module({})
export class ApprovalsModule {
  static forRoot(options: ApprovalsOptions): DynamicModule {
    return {
      module: ApprovalsModule,
      global: true,
      controllers: [ApprovalsController],
      providers: [
        {
          provide: APPROVAL_KEYS,
          inject: [LOGGER],
          useFactory: (logger: Logger): ApprovalKeys => {
            const seed = loadSnapshotSeed(options.distribution, logger);
            return { receiptSigner: signerFromSeed(derivedKey(seed, 'approval-receipt-key').toString('base64')), linkKey: derivedKey(seed, 'approval-link-key') };
          },
        },
        {
          provide: CONTROL_PLANE_RECEIPT_KEY,
          inject: [APPROVAL_KEYS],
          useFactory: (keys: ApprovalKeys): AnnouncedKey => ({ keyId: keys.receiptSigner.keyId, publicKey: publicKeyBase64(keys.receiptSigner), instanceId: CONTROL_PLANE_INSTANCE }),
        },
        {
          provide: APPROVAL_LINKS,
          inject: [APPROVAL_KEYS],
          useFactory: (keys: ApprovalKeys): ApprovalLinks => ({
            pageUrlOf: (record) => {
              const step = record.approval;
              if (step?.kind !== 'requested' || step.expiresAt === undefined) return undefined;
              const token = approvalLinkToken(keys.linkKey, { tenantId: record.tenantId, requestId: step.requestId, expiresAt: step.expiresAt });
              return `${options.publicUrl}/v1/approvals/${encodeURIComponent(step.requestId)}/html?token=${encodeURIComponent(token)}`;
            },
          }),
        },
        { provide: ApprovalRequestsRepository, inject: [TenantDatabase], useFactory: (db: TenantDatabase) => new ApprovalRequestsRepository(db) },
        { provide: ApprovalDesk, inject: [ApprovalRequestsRepository, Clock], useFactory: (requests: ApprovalRequestsRepository, clock: Clock) => new ApprovalDesk(requests, clock) },
        {
          provide: ApprovalDecisionPublisher,
          inject: [ApprovalRequestsRepository, Clock, LOGGER],
          useFactory: (requests: ApprovalRequestsRepository, clock: Clock, logger: Logger) => {
            const log = logger.child({ component: 'approval-decisions' });
            const sink = sinkOf(options, log);
            return sink ? new ApprovalDecisionPublisher(sink, requests, log, () => clock.now()) : null;
          },
        },
        ApprovalPublisherLifecycle,
        ApprovalsProjection,
        ApprovalRequestRecorder,
        // Requests are recorded in the transaction that records their decisions.
        { provide: DECISION_INGEST_HOOKS, useExisting: ApprovalRequestRecorder },
        DecideApprovalHandler,
        ListApprovalsHandler,
        GetApprovalHandler,
        OpenApprovalPageHandler,
      ],
      exports: [APPROVAL_LINKS, CONTROL_PLANE_RECEIPT_KEY, ApprovalDesk, ApprovalDecisionPublisher],
    };
  }
}

/** Undefined: nowhere to publish (no Kafka, no in-process log); the decisions wait in the outbox. */
function sinkOf(options: ApprovalsOptions, log: Logger): DecisionSink | undefined {
  if (options.decisionLog) return inProcessDecisionSink(options.decisionLog);
  if (options.decisions) return kafkaDecisionSink({ connection: options.decisions.kafka.connection, topic: options.decisions.kafka.topic }, log);
  log.warn('approvals and rejections are not published: no decision stream (KAFKA_BROKERS) and no in-process decision log; each stays in the audit trail and its outbox');
  return undefined;
}
