import type { AlertDocument, AlertSeverity } from './alert.js';

/** CEF severity (0-10) of an alert. */
const CEF_SEVERITY: Record<AlertSeverity, number> = { low: 3, medium: 5, high: 8, critical: 10 };
/** RFC 5424 severity (0 emergency … 7 debug) of an alert. */
const SYSLOG_SEVERITY: Record<AlertSeverity, number> = { critical: 2, high: 3, medium: 4, low: 5 };

/** CEF header field: backslash and pipe are escaped; a header cannot hold a line break, so those become spaces. */
export function cefHeaderEscape(value: string): string {
  return value.replace(/[\\|]/g, (c) => `\\${c}`).replace(/\r\n|[\r\n]/g, ' ');
}

/** CEF extension value: backslash and equals sign are escaped, line breaks written as \n and \r. */
export function cefExtensionEscape(value: string): string {
  return value.replace(/[\\=]/g, (c) => `\\${c}`).replace(/\r\n|\n/g, '\\n').replace(/\r/g, '\\r');
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-fA-F:.]{2,45}$/;

/**
 * The alert as one CEF:0 line (ArcSight CEF, as Splunk, QRadar, Sentinel and Elastic read it).
 * Header: vendor Thoth, product Thoth, version 1, event class `block`/`drift`, the alert's
 * title, severity. Extensions (standard keys where one fits): rt, externalId (alert id), cat,
 * act (outcome), suser (agent), src, deviceExternalId (enforcer), msg (the rules' reasons),
 * cs1 decisionId, cs2 tool, cs3 resource, cs4 credentialFingerprint, cs5 rules, cs6 evidence,
 * cn1 policyVersion, flexString1 the signed receipt (JSON), flexString2 sourceRegion,
 * thothTenantId.
 */
export function cefLine(alert: AlertDocument): string {
  const d = alert.decision;
  const header = ['CEF:0', 'Thoth', 'Thoth', '1', alert.kind, alert.title, String(CEF_SEVERITY[alert.severity])].map((field, i) =>
    i === 0 ? field : cefHeaderEscape(field),
  );
  const extensions: Array<[string, string | number]> = [
    ['rt', new Date(d.decidedAt).getTime()],
    ['externalId', alert.alertId],
    ['cat', alert.kind],
    ['act', d.outcome],
    ['suser', d.agentId],
    ...(IPV4.test(d.source.ip) || (d.source.ip.includes(':') && IPV6.test(d.source.ip)) ? [['src', d.source.ip] as [string, string]] : []),
    ['deviceExternalId', d.enforcerId],
    ['msg', d.matchedRules.map((r) => `${r.ruleId}: ${r.reason}`).join('; ') || d.errorCode || alert.title],
    ['cs1Label', 'decisionId'],
    ['cs1', d.decisionId],
    ['cs2Label', 'tool'],
    ['cs2', d.tool],
    ['cs3Label', 'resource'],
    ['cs3', d.resource],
    ['cs4Label', 'credentialFingerprint'],
    ['cs4', d.credentialFingerprint],
    ['cs5Label', 'rules'],
    ['cs5', d.matchedRules.map((r) => r.ruleId).join(',')],
    ['cs6Label', 'evidence'],
    ['cs6', alert.evidence.url],
    ['cn1Label', 'policyVersion'],
    ['cn1', d.policyVersion],
    ['flexString1Label', 'receipt'],
    ['flexString1', JSON.stringify(alert.receipt)],
    ['flexString2Label', 'sourceRegion'],
    ['flexString2', d.source.region],
    ['thothTenantId', alert.tenantId],
    // Approval alerts: the request's page (its signed link) and when it expires.
    ...(alert.approval ? ([['request', alert.approval.url], ['end', new Date(alert.approval.expiresAt).getTime()]] as Array<[string, string | number]>) : []),
  ];
  const body = extensions
    .filter(([, value]) => value !== '')
    .map(([key, value]) => `${key}=${cefExtensionEscape(String(value))}`)
    .join(' ');
  return `${header.join('|')}|${body}`;
}

/** RFC 5424 header fields are printable US-ASCII without spaces; NILVALUE when nothing is left. */
function headerToken(value: string, max: number): string {
  const token = value.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return token === '' ? '-' : token;
}

/**
 * The alert as an RFC 5424 syslog message whose MSG is the CEF line:
 * `<PRI>1 TIMESTAMP HOSTNAME thoth - MSGID - CEF:0|…`, PRI = facility·8 + severity,
 * TIMESTAMP the decision's time, MSGID the alert kind.
 */
export function syslogMessage(alert: AlertDocument, options: { facility: number; hostname: string }): string {
  const pri = options.facility * 8 + SYSLOG_SEVERITY[alert.severity];
  return `<${pri}>1 ${alert.decision.decidedAt} ${headerToken(options.hostname, 255)} thoth - ${alert.kind} - ${cefLine(alert)}`;
}

/** RFC 6587 octet counting, for syslog over TCP: `<length in bytes> <message>`. */
export function octetCounted(message: string): string {
  return `${Buffer.byteLength(message, 'utf8')} ${message}`;
}
