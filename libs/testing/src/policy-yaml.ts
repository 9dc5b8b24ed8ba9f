// Test policies: the header every policy document starts with, and the rule most test
// policies carry, so that a test spells out only what makes its policy its own.

/** A policy document: header (name, version, allow by default) followed by `body`. */
export function policyYaml(name: string, version: string | number, body: string): string {
  return `apiVersion: thoth.dev/policy/v1
kind: Policy
metadata: {name: ${name}, version: "${version}"}
defaults: {effect: allow}
${body}`;
}

/** `rules:` opened with the no-drops rule (deny `db.drop_*`), with a severity and reason when asked. */
export function noDropsRules(options: { severity?: 'critical'; reason?: boolean } = {}): string {
  const { severity, reason = true } = options;
  return `rules:
  - id: no-drops
    match: {tools: ["db.drop_*"]}
    effect: deny
${severity ? `    severity: ${severity}\n` : ''}${reason ? '    reason: Nobody drops tables.\n' : ''}`;
}
