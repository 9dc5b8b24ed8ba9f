import { Controller, Delete, Get, HttpCode, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { ANY_ROLE, CurrentPrincipal, Roles, type Principal } from '../../../platform/auth/principal.js';
import { CurrentCaller, type Caller } from '../../../platform/caller.js';
import { ApiController } from '../../../platform/http/api-controller.js';
import { IfMatch, withEtag } from '../../../platform/http/if-match.js';
import { Operation, ValidBody, ValidParams, ValidQuery } from '../../../platform/openapi/operation.decorator.js';
import { CreateAlertDestinationCommand } from '../commands/create-alert-destination/create-alert-destination.command.js';
import { DeleteAlertDestinationCommand } from '../commands/delete-alert-destination/delete-alert-destination.command.js';
import { RotateAlertDestinationSecretCommand } from '../commands/rotate-alert-destination-secret/rotate-alert-destination-secret.command.js';
import type { AlertDestinationView } from '../queries/alert-destination-view.js';
import { GetAlertDestinationQuery } from '../queries/get-alert-destination/get-alert-destination.query.js';
import { ListAlertDestinationsQuery } from '../queries/list-alert-destinations/list-alert-destinations.query.js';
import {
  AlertDestinationListResponse,
  AlertDestinationResponse,
  CreateAlertDestinationBody,
  CreatedAlertDestinationResponse,
  DestinationIdParams,
  ListDestinationsQueryParams,
  RotatedSecretResponse,
  RotateSecretBody,
} from './alerts.dto.js';

const IF_MATCH = { 'If-Match': 'Optional: the ETag of GET /v1/alert-destinations/{id}; a stale one answers 409 concurrency.conflict' };
const ETAG = { ETag: 'The destination version, for If-Match' };
const NOT_FOUND = { description: 'No such destination in this tenant (alert_destination.not_found)' };
const ADDRESS_ERRORS =
  'Invalid name, URL or address (alert_destination.invalid_field, .invalid_url, .insecure_url, .private_address, .forbidden_address, .unresolvable_host)';

@Controller('alert-destinations')
export class AlertDestinationsController extends ApiController {
  @Post()
  @Roles('admin')
  @HttpCode(201)
  @Operation({
    operationId: 'createAlertDestination',
    summary: 'Send SOC alerts (blocks, drift) to a signed webhook, a Slack-compatible webhook or a syslog/CEF collector',
    tags: ['alerts'],
    body: CreateAlertDestinationBody,
    responses: {
      201: { description: 'The destination; a webhook’s signing secret is shown this once', schema: CreatedAlertDestinationResponse, headers: ETAG },
      409: { description: 'The name is taken (alert_destination.name_taken), or the tenant has 25 (alert_destination.limit_reached)' },
      422: { description: ADDRESS_ERRORS },
    },
  })
  async create(
    @ValidBody() body: z.output<typeof CreateAlertDestinationBody>,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<z.output<typeof CreatedAlertDestinationResponse>> {
    const created = await this.commands.execute(new CreateAlertDestinationCommand(caller, body));
    const destination = withEtag(reply, await this.queries.execute(new GetAlertDestinationQuery(caller.tenantId, created.destinationId)));
    void reply.header('location', `/v1/alert-destinations/${destination.id}`);
    return { destination, secret: created.secret };
  }

  @Get()
  @Roles(...ANY_ROLE)
  @Operation({
    operationId: 'listAlertDestinations',
    summary: "The tenant's alert destinations, oldest first (never a URL or a secret)",
    tags: ['alerts'],
    query: ListDestinationsQueryParams,
    responses: { 200: { description: 'Destinations', schema: AlertDestinationListResponse } },
  })
  async list(
    @ValidQuery() query: z.output<typeof ListDestinationsQueryParams>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<z.output<typeof AlertDestinationListResponse>> {
    return { items: await this.queries.execute(new ListAlertDestinationsQuery(principal.tenantId, query.includeDeleted === 'true')) };
  }

  @Get(':id')
  @Roles(...ANY_ROLE)
  @Operation({
    operationId: 'getAlertDestination',
    summary: 'One alert destination',
    tags: ['alerts'],
    params: DestinationIdParams,
    responses: { 200: { description: 'The destination', schema: AlertDestinationResponse, headers: ETAG }, 404: NOT_FOUND },
  })
  async get(
    @ValidParams() params: z.output<typeof DestinationIdParams>,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AlertDestinationView> {
    return withEtag(reply, await this.queries.execute(new GetAlertDestinationQuery(principal.tenantId, params.id)));
  }

  @Post(':id/rotate-secret')
  @Roles('admin')
  @HttpCode(200)
  @Operation({
    operationId: 'rotateAlertDestinationSecret',
    summary: 'A new webhook signing secret, shown this once; the old one may keep signing for a grace period',
    tags: ['alerts'],
    params: DestinationIdParams,
    body: RotateSecretBody,
    headers: IF_MATCH,
    responses: {
      200: { description: 'The destination and its new secret', schema: RotatedSecretResponse, headers: ETAG },
      404: NOT_FOUND,
      409: { description: 'Not a webhook (alert_destination.not_signed), deleted (alert_destination.deleted), or a stale If-Match' },
      422: { description: 'keepPreviousForSeconds out of range (alert_destination.invalid_field)' },
    },
  })
  async rotateSecret(
    @ValidParams() params: z.output<typeof DestinationIdParams>,
    @ValidBody() body: z.output<typeof RotateSecretBody>,
    @IfMatch() expected: number | undefined,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<z.output<typeof RotatedSecretResponse>> {
    const { secret } = await this.commands.execute(
      new RotateAlertDestinationSecretCommand(caller, params.id, body.keepPreviousForSeconds * 1_000, expected),
    );
    return { destination: withEtag(reply, await this.queries.execute(new GetAlertDestinationQuery(caller.tenantId, params.id))), secret };
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  @Operation({
    operationId: 'deleteAlertDestination',
    summary: 'Stop sending alerts there (idempotent); its undelivered alerts end in the dead-letter list',
    tags: ['alerts'],
    params: DestinationIdParams,
    headers: IF_MATCH,
    responses: { 204: { description: 'Deleted' }, 404: NOT_FOUND, 409: { description: 'A stale If-Match (concurrency.conflict)' } },
  })
  async delete(
    @ValidParams() params: z.output<typeof DestinationIdParams>,
    @IfMatch() expected: number | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    await this.commands.execute(new DeleteAlertDestinationCommand(caller, params.id, expected));
  }
}
