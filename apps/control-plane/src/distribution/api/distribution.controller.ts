import { Controller, Get, Inject } from '@nestjs/common';
import { TenantMode } from '@thoth/contracts';
import { publicKeyBase64, type Signer } from '@thoth/snapshot';
import type { z } from 'zod';
import { ANY_ROLE, CurrentPrincipal, Public, Roles, type Principal } from '../../platform/auth/principal.js';
import { ProblemError } from '../../platform/http/problem.js';
import { Operation } from '../../platform/openapi/operation.decorator.js';
import { SnapshotBuilder } from '../snapshot-builder.js';
import { SNAPSHOT_SIGNER } from '../snapshot-signing-key.js';
import { PublicKeyResponse, SnapshotResponse } from './distribution.dto.js';

@Controller('distribution')
export class DistributionController {
  constructor(
    @Inject(SNAPSHOT_SIGNER) private readonly signer: Signer,
    @Inject(SnapshotBuilder) private readonly builder: SnapshotBuilder,
  ) {}

  @Get('public-key')
  @Public()
  @Operation({
    operationId: 'getSnapshotPublicKey',
    summary: 'The public key config snapshots are signed with: configure enforcers to trust it',
    tags: ['distribution'],
    responses: { 200: { description: 'The Ed25519 public key', schema: PublicKeyResponse } },
  })
  publicKey(): z.output<typeof PublicKeyResponse> {
    return { algorithm: 'Ed25519', keyId: this.signer.keyId, publicKey: publicKeyBase64(this.signer) };
  }

  @Get('snapshot')
  @Roles(...ANY_ROLE)
  @Operation({
    operationId: 'getConfigSnapshot',
    summary: "The tenant's current config snapshot as enforcers receive it (version and content, not the secrets)",
    tags: ['distribution'],
    responses: { 200: { description: 'The published snapshot', schema: SnapshotResponse }, 404: { description: 'Nothing to distribute (distribution.no_snapshot)' } },
  })
  async snapshot(@CurrentPrincipal() principal: Principal): Promise<z.output<typeof SnapshotResponse>> {
    const snapshot = await this.builder.ensure(principal.tenantId);
    if (!snapshot) throw new ProblemError(404, 'distribution.no_snapshot', 'no config snapshot could be built for this tenant');
    const { config } = snapshot;
    return {
      version: Number(snapshot.version),
      contentHash: snapshot.contentHash,
      policyVersion: config.policy ? Number(config.policy.version) : null,
      mode: config.mode === TenantMode.ENFORCE ? 'enforce' : 'shadow',
      agents: config.agents.length,
      credentialBindings: config.credentialBindings.length,
      keyId: snapshot.signed.keyId,
      publishedAt: new Date(snapshot.publishedAt).toISOString(),
    };
  }
}
