/** Valid UTF-8 (no lone surrogates) with no ASCII control character except, where allowed, newline. */
export function isCleanText(text: string, allowNewline: boolean): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && !(allowNewline && c === 0x0a)) return false;
  }
  return !/[\uD800-\uDFFF]/u.test(text);
}
