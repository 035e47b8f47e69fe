// Credentials written into URLs (`https://user:token@host/repo.git`): every view, log line and error
// that may show such a URL passes it through this one function.

/**
 * `scheme://user:token@host` → `scheme://***@host`, wherever it appears in `text`; the userinfo runs
 * to the last `@` before the next `/` or space, so a password holding an unencoded `@` is masked
 * whole. Linear in the text: a match can only start at a `://` after a scheme character, and each
 * attempt scans no further than the next `/`, which ends the next `://` too.
 */
export function maskCredentials(text: string): string {
  return text.replace(/(?<=[a-z0-9+.-]):\/\/[^/\s]+@/gi, '://***@');
}
