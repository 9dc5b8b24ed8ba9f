/**
 * Secrets never reach the terminal: every line `thoth` writes passes through here. API keys
 * (thoth_sk_…), agent and enforcer tokens (thoth_at_…, thoth_et_…) and bearer credentials are
 * cut to their prefix, whatever put them in a message (an echoed argument, a server's reply).
 */
const TOKEN = /\b(thoth_[a-z]{2}_)[A-Za-z0-9_-]+/g;
const BEARER = /(bearer\s+)[^\s"']+/gi;

export function redact(text: string): string {
  return text.replace(TOKEN, '$1…').replace(BEARER, '$1…');
}
