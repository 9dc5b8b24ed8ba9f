import { createSocket } from 'node:dgram';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, isIP } from 'node:net';
import type { AlertDocument } from '../domain/alert.js';
import { ALERT_ID_HEADER, signAlert, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../domain/alert-signature.js';
import { octetCounted, syslogMessage } from '../domain/cef.js';
import { slackMessage } from '../domain/slack-message.js';
import type { SyslogTarget } from '../domain/events/index.js';
import { type AddressPolicy, assertHostAllowed, bareHost, guardedLookup, resolveAllowed, type Resolver, systemResolver } from './destination-address.js';

/** A destination opened for one delivery: the URL and secrets in clear, in memory only. */
export type DeliveryTarget =
  | { readonly kind: 'webhook'; readonly url: string; readonly secrets: readonly string[] }
  | { readonly kind: 'slack'; readonly url: string }
  | { readonly kind: 'syslog'; readonly syslog: SyslogTarget };

export type AttemptResult = { readonly ok: true; readonly detail: string } | { readonly ok: false; readonly error: string };

// Largest UDP payload over IPv4; syslog collectors commonly accept far less, so prefer TCP.
const MAX_DATAGRAM_BYTES = 65_507;
const ERROR_SNIPPET = 200;

/**
 * Sends one alert to one destination, once, within `timeoutMs`: a webhook POST (signed), a
 * Slack-format POST, or an RFC 5424 syslog message carrying CEF over TCP (octet counting) or
 * UDP. Every connection goes only to addresses the policy allows, checked on the lookup the
 * connection itself uses. Redirects are not followed (a 3xx is a failure).
 */
export class AlertTransports {
  constructor(
    private readonly options: {
      readonly policy: AddressPolicy;
      readonly timeoutMs: number;
      /** RFC 5424 HOSTNAME of syslog messages. */
      readonly hostname: string;
      readonly resolver?: Resolver;
    },
  ) {}

  async deliver(alert: AlertDocument, target: DeliveryTarget, now: Date): Promise<AttemptResult> {
    try {
      switch (target.kind) {
        case 'webhook': {
          const body = JSON.stringify(alert);
          const timestamp = Math.floor(now.getTime() / 1000);
          return await this.#post(target.url, body, {
            [ALERT_ID_HEADER]: alert.alertId,
            [TIMESTAMP_HEADER]: String(timestamp),
            [SIGNATURE_HEADER]: signAlert(target.secrets, timestamp, body),
          });
        }
        case 'slack':
          return await this.#post(target.url, JSON.stringify(slackMessage(alert)), {});
        case 'syslog': {
          const message = syslogMessage(alert, { facility: target.syslog.facility, hostname: this.options.hostname });
          return target.syslog.transport === 'tcp' ? await this.#tcp(target.syslog, message) : await this.#udp(target.syslog, message);
        }
      }
    } catch (error) {
      return { ok: false, error: describe(error) };
    }
  }

  get #resolver(): Resolver {
    return this.options.resolver ?? systemResolver;
  }

  #post(urlText: string, body: string, headers: Record<string, string>): Promise<AttemptResult> {
    const url = new URL(urlText);
    // An IP literal never goes through `lookup`: judge it here.
    assertHostAllowed(bareHost(url.hostname), this.options.policy, '/url');
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<AttemptResult>((resolve, reject) => {
      const request = send(url, {
        method: 'POST',
        agent: false,
        lookup: guardedLookup(this.options.policy, this.#resolver) as never,
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'Thoth-Alerts/1',
          ...headers,
        },
      });
      const timer = setTimeout(() => request.destroy(new Error(`timed out after ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
      request.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      request.once('response', (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        response.on('data', (chunk: Buffer) => {
          if (kept < ERROR_SNIPPET) chunks.push(chunk);
          kept += chunk.length;
        });
        response.once('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        response.once('end', () => {
          clearTimeout(timer);
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve({ ok: true, detail: `HTTP ${status}` });
          const text = Buffer.concat(chunks).toString('utf8').slice(0, ERROR_SNIPPET).replace(/\s+/g, ' ').trim();
          resolve({ ok: false, error: `HTTP ${status}${text ? `: ${text}` : ''}` });
        });
      });
      request.end(body);
    });
  }

  #tcp(target: SyslogTarget, message: string): Promise<AttemptResult> {
    assertHostAllowed(bareHost(target.host), this.options.policy, '/host');
    return new Promise<AttemptResult>((resolve, reject) => {
      const socket = connect({ host: bareHost(target.host), port: target.port, lookup: guardedLookup(this.options.policy, this.#resolver) as never });
      const timer = setTimeout(() => socket.destroy(new Error(`timed out after ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.once('connect', () => socket.end(octetCounted(message)));
      socket.once('close', (hadError) => {
        clearTimeout(timer);
        if (!hadError) resolve({ ok: true, detail: `syslog/tcp ${Buffer.byteLength(message)} bytes` });
      });
    });
  }

  async #udp(target: SyslogTarget, message: string): Promise<AttemptResult> {
    const payload = Buffer.from(message, 'utf8');
    if (payload.length > MAX_DATAGRAM_BYTES) return { ok: false, error: `the message is ${payload.length} bytes, more than a UDP datagram holds: use tcp` };
    const [address] = await resolveAllowed(bareHost(target.host), this.options.policy, this.#resolver, '/host');
    const socket = createSocket(isIP(address!.address) === 6 ? 'udp6' : 'udp4');
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out after ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
        socket.once('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        socket.send(payload, target.port, address!.address, (error) => {
          clearTimeout(timer);
          if (error) reject(error);
          else resolve();
        });
      });
      // UDP has no answer: sent is as far as anyone can know.
      return { ok: true, detail: `syslog/udp ${payload.length} bytes` };
    } finally {
      socket.close();
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    const text = error.message || code || error.name;
    return code && code !== 'ETHOTHADDRESS' && !text.includes(code) ? `${code}: ${text}` : text;
  }
  return String(error);
}
