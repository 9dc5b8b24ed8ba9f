// An OTLP/HTTP trace receiver for tests: a node:http server that takes what the services' OTLP
// exporters POST (ExportTraceServiceRequest, protobuf, opentelemetry-proto's
// collector/trace/v1) and decodes the few fields a test asks about with @bufbuild/protobuf's wire
// reader. Decoded here rather than with @opentelemetry/otlp-transformer, whose public API
// serializes requests and decodes only responses (its protobuf definitions are internal), so the
// test reads exactly the bytes the exporters put on the wire.
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  /** Empty for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  readonly links: ReadonlyArray<{ readonly traceId: string; readonly spanId: string }>;
}

export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  /** Requests received (each an export of one batch). */
  requests = 0;
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<OtlpReceiver> {
    const server = createServer();
    const receiver = new OtlpReceiver(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        receiver.requests++;
        if (req.method === 'POST' && req.url === '/v1/traces' && req.headers['content-type'] === 'application/x-protobuf') {
          receiver.spans.push(...decodeExport(new Uint8Array(Buffer.concat(chunks))));
          // An empty ExportTraceServiceResponse: everything accepted.
          res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
          return;
        }
        res.writeHead(415).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  /** The base URL to give as OTEL_EXPORTER_OTLP_ENDPOINT. */
  get endpoint(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

/** ExportTraceServiceRequest: resource_spans = 1. */
function decodeExport(bytes: Uint8Array): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  fields(bytes, (field, r) => {
    if (field === 1) spans.push(...decodeResourceSpans(r.bytes()));
    else return false;
    return true;
  });
  return spans;
}

/** ResourceSpans: resource = 1 (Resource: attributes = 1), scope_spans = 2 (ScopeSpans: spans = 2). */
function decodeResourceSpans(bytes: Uint8Array): ReceivedSpan[] {
  let service = '';
  const raw: Uint8Array[] = [];
  fields(bytes, (field, r) => {
    if (field === 1) {
      const resource = r.bytes();
      fields(resource, (f, rr) => {
        if (f !== 1) return false;
        const [key, value] = keyValue(rr.bytes());
        if (key === 'service.name') service = String(value);
        return true;
      });
    } else if (field === 2) {
      fields(r.bytes(), (f, rr) => {
        if (f !== 2) return false;
        raw.push(rr.bytes());
        return true;
      });
    } else return false;
    return true;
  });
  return raw.map((s) => decodeSpan(service, s));
}

/** Span: trace_id 1, span_id 2, parent_span_id 4, name 5, kind 6, attributes 9, links 13 (Link: trace_id 1, span_id 2). */
function decodeSpan(service: string, bytes: Uint8Array): ReceivedSpan {
  const span = { service, traceId: '', spanId: '', parentSpanId: '', name: '', kind: 0, attributes: {} as Record<string, string | number | boolean>, links: [] as { traceId: string; spanId: string }[] };
  fields(bytes, (field, r) => {
    if (field === 1) span.traceId = hex(r.bytes());
    else if (field === 2) span.spanId = hex(r.bytes());
    else if (field === 4) span.parentSpanId = hex(r.bytes());
    else if (field === 5) span.name = r.string();
    else if (field === 6) span.kind = r.int32();
    else if (field === 9) {
      const [key, value] = keyValue(r.bytes());
      span.attributes[key] = value;
    } else if (field === 13) {
      const link = { traceId: '', spanId: '' };
      fields(r.bytes(), (f, rr) => {
        if (f === 1) link.traceId = hex(rr.bytes());
        else if (f === 2) link.spanId = hex(rr.bytes());
        else return false;
        return true;
      });
      span.links.push(link);
    } else return false;
    return true;
  });
  return span;
}

/** KeyValue: key 1, value 2 (AnyValue: string 1, bool 2, int 3, double 4). */
function keyValue(bytes: Uint8Array): [string, string | number | boolean] {
  let key = '';
  let value: string | number | boolean = '';
  fields(bytes, (field, r) => {
    if (field === 1) key = r.string();
    else if (field === 2) {
      fields(r.bytes(), (f, rr) => {
        if (f === 1) value = rr.string();
        else if (f === 2) value = rr.bool();
        else if (f === 3) value = Number(rr.int64());
        else if (f === 4) value = rr.double();
        else return false;
        return true;
      });
    } else return false;
    return true;
  });
  return [key, value];
}

/** Reads each record of a message; `read` returns false for a field it skips. */
function fields(bytes: Uint8Array, read: (field: number, reader: BinaryReader) => boolean): void {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    const start = reader.pos;
    if (wireType === WireType.LengthDelimited || wireType === WireType.Varint || wireType === WireType.Bit64 || wireType === WireType.Bit32) {
      if (read(field, reader)) continue;
      reader.pos = start;
    }
    reader.skip(wireType, field);
  }
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
