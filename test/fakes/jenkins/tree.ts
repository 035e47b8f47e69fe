// Jenkins' `tree=` query (stapler's TreeString + Range). Implemented rather than ignored so that a
// client relying on a field the tree did not ask for fails against the fake as it would against Jenkins.

type Range = { from: number; to: number };
export type TreeSpec = Map<string, { sub: TreeSpec | null; range: Range | null }>;

export class TreeSyntaxError extends Error {}

export function parseTree(text: string): TreeSpec {
  let pos = 0;
  const fail = (what: string): never => {
    throw new TreeSyntaxError(`Malformed tree expression at ${pos}: ${what} in "${text}"`);
  };

  const parseList = (): TreeSpec => {
    const spec: TreeSpec = new Map();
    for (;;) {
      const m = /^[A-Za-z0-9_$]+/.exec(text.slice(pos));
      if (!m) fail('expected a field name');
      const name = m![0];
      pos += name.length;
      let sub: TreeSpec | null = null;
      let range: Range | null = null;
      if (text[pos] === '[') {
        pos++;
        sub = parseList();
        if (text[pos] !== ']') fail("expected ']'");
        pos++;
      }
      if (text[pos] === '{') {
        const end = text.indexOf('}', pos);
        if (end < 0) fail("expected '}'");
        range = parseRange(text.slice(pos + 1, end)) ?? fail('bad range');
        pos = end + 1;
      }
      spec.set(name, { sub, range });
      if (text[pos] !== ',') return spec;
      pos++;
    }
  };

  const spec = parseList();
  if (pos !== text.length) fail('trailing characters');
  return spec;
}

// {M,N} is [M,N), {M,} from M, {,N} the first N, {N} only the N-th (stapler's Range.fromString).
function parseRange(body: string): Range | null {
  const num = (s: string) => (/^\d+$/.test(s) ? Number(s) : null);
  if (!body.includes(',')) {
    const n = num(body);
    return n === null ? null : { from: n, to: n + 1 };
  }
  const [a = '', b = ''] = body.split(',');
  const from = a === '' ? 0 : num(a);
  const to = b === '' ? Infinity : num(b);
  return from === null || to === null ? null : { from, to };
}

export function applyTree(value: unknown, spec: TreeSpec | null): unknown {
  if (Array.isArray(value)) return value.map((v) => applyTree(v, spec));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  // Stapler always exports _class, even for fields the tree did not name.
  if ('_class' in obj) out._class = obj._class;
  if (!spec) return out;
  for (const [name, { sub, range }] of spec) {
    if (!(name in obj)) continue;
    let v = obj[name];
    if (Array.isArray(v) && range) v = v.slice(range.from, range.to === Infinity ? undefined : range.to);
    out[name] = applyTree(v, sub);
  }
  return out;
}
