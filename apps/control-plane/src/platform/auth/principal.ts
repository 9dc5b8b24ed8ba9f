import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { ApiKeyRole } from '@thoth/api-keys';

/** Who is calling: an API key of a tenant, with its role. */
export interface Principal {
  keyId: string;
  tenantId: string;
  role: ApiKeyRole;
  /** For event metadata: `key:<keyId>`. */
  actor: string;
}

export interface RequestWithPrincipal {
  principal?: Principal;
  id: string;
}

export const IS_PUBLIC = 'thoth:public';
export const ROLES = 'thoth:roles';

/** No API key needed (sign-up, the OpenAPI document). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

/** Which roles may call. Every authenticated route names them; none named means admin only. */
export const Roles = (...roles: ApiKeyRole[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES, roles);

/** Every role: reads anyone with a key may make. */
export const ANY_ROLE: ApiKeyRole[] = ['admin', 'policy_author', 'auditor', 'read_only'];

/** The authenticated caller (the auth guard has run). */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<RequestWithPrincipal>().principal;
  if (!principal) throw new Error('CurrentPrincipal on a route without authentication');
  return principal;
});

/** The request id (x-request-id or generated), for event metadata. */
export const RequestId = createParamDecorator(
  (_: unknown, context: ExecutionContext): string => context.switchToHttp().getRequest<RequestWithPrincipal>().id,
);
