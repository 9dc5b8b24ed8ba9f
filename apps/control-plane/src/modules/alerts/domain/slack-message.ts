import type { AlertDocument } from './alert.js';

/** Slack's mrkdwn needs &, < and > escaped; everything else is literal. */
const mrkdwn = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

const ICON = { block: ':no_entry:', drift: ':warning:', approval: ':raised_hand:' } as const;
const HEADER = { block: 'Blocked', drift: 'Drift', approval: 'Approval needed' } as const;
// Slack's limits: header 150 characters, section text 3000, field 2000.
const RECEIPT_MAX = 2_800;

/**
 * The alert as a Slack incoming-webhook message (also read by Mattermost, Rocket.Chat and
 * Teams workflows that accept Slack's format): `text` for notifications and clients without
 * blocks, and Block Kit `blocks`: header, the reasons, the call's facts, the signed receipt
 * (when it fits Slack's limits) and the links.
 */
export function slackMessage(alert: AlertDocument): { text: string; blocks: unknown[] } {
  const d = alert.decision;
  const reasons = d.matchedRules.length > 0 ? d.matchedRules.map((r) => `• \`${mrkdwn(r.ruleId)}\` (${r.kind}, ${r.effect || 'deny'}): ${mrkdwn(r.reason)}`).join('\n') : mrkdwn(d.errorCode || 'no rule matched');
  const field = (label: string, value: string) => ({ type: 'mrkdwn', text: clip(`*${label}*\n${value === '' ? '—' : mrkdwn(value)}`, 2_000) });
  const receipt = JSON.stringify(alert.receipt, null, 1);
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(`${HEADER[alert.kind]}: ${d.tool}`, 150), emoji: false } },
    { type: 'section', text: { type: 'mrkdwn', text: clip(`*${mrkdwn(alert.title)}*\n${reasons}`, 3_000) } },
    {
      type: 'section',
      fields: [
        field('Agent', d.agentId),
        field('Tool', d.tool),
        field('Resource', d.resource),
        field('Credential', d.credentialFingerprint === '' ? '' : `sha256:${d.credentialFingerprint.slice(0, 16)}…`),
        field('Source', [d.source.ip, d.source.region].filter((s) => s !== '').join(' · ')),
        field('Outcome', `${d.outcome}${d.shadow ? ' (shadow)' : ''} · ${alert.severity}`),
      ],
    },
    ...(receipt.length <= RECEIPT_MAX ? [{ type: 'section', text: { type: 'mrkdwn', text: `*Signed receipt*\n\`\`\`${mrkdwn(receipt)}\`\`\`` } }] : []),
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: clip(`${alert.approval ? `<${alert.approval.url}|Approve or reject> (expires ${alert.approval.expiresAt}) · ` : ''}<${alert.evidence.url}|Evidence bundle> · decision \`${mrkdwn(d.decisionId)}\` · alert \`${alert.alertId}\` · policy v${d.policyVersion}`, 3_000),
        },
      ],
    },
  ];
  return { text: `${ICON[alert.kind]} Thoth: ${alert.title} (${alert.severity})`, blocks };
}
