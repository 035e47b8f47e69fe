// Where a sign-in returns to: a path of this site only. Anything else ("//evil.example", "https://…",
// "/\\evil", a control character) would make /login an open redirect; it becomes "/".
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  if ([...next].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)) return '/';
  const base = 'http://same.invalid';
  const url = new URL(next, base);
  if (url.origin !== base) return '/';
  const path = url.pathname + url.search;
  return path.startsWith('/login') || path.startsWith('/logout') ? '/' : path;
}
