import { Controller, Get } from '@nestjs/common';
import { Public } from '../auth/principal.js';
import { buildOpenApiDocument } from './openapi-document.js';

@Controller()
export class OpenApiController {
  #document: Record<string, unknown> | undefined;

  @Get('openapi.json')
  @Public()
  document(): Record<string, unknown> {
    this.#document ??= buildOpenApiDocument();
    return this.#document;
  }
}
