// Build output with terminal escapes, as plain-text segments and CSS classes: SGR colours and
// weights become classes (`ansi-fg-1`, `ansi-bold`, …), every other escape sequence and control
// character is dropped. The segments carry text only; the page escapes it (hono/jsx) and log.js
// sets it as textContent, so a log line can never become markup.

/** A run of text in one style; `classes` is "" for unstyled text. */
export type LogSegment = [text: string, classes: string];

interface Style {
  fg: number | null;
  bg: number | null;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
}

const plain = (): Style => ({ fg: null, bg: null, bold: false, dim: false, italic: false, underline: false });

/** An unfinished escape longer than this is not an escape a terminal would wait for: it is dropped. */
const MAX_PENDING = 256;

// CSI (ESC [ … final byte), OSC (ESC ] … BEL or ST), any other escape (ESC, intermediates, final), or a control character.
const TOKEN =
  // eslint-disable-next-line no-control-regex
  /\x1b\[([0-?]*)[ -/]*([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[ -/]*[0-~]|[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]/g;
/** An escape cut off by the end of a chunk: kept until the next chunk of the same command. */
// eslint-disable-next-line no-control-regex
const UNFINISHED = /\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*\x1b?|[ -/]+)?$/;

function classesOf(s: Style): string {
  const out: string[] = [];
  if (s.bold) out.push('ansi-bold');
  if (s.dim) out.push('ansi-dim');
  if (s.italic) out.push('ansi-italic');
  if (s.underline) out.push('ansi-underline');
  if (s.fg !== null) out.push(`ansi-fg-${s.fg}`);
  if (s.bg !== null) out.push(`ansi-bg-${s.bg}`);
  return out.join(' ');
}

/** 256-colour and true-colour arguments: the 16 basic colours keep a class, the rest fall back to the default. */
function extendedColour(codes: number[], i: number): { colour: number | null; next: number } {
  if (codes[i + 1] === 5) {
    const n = codes[i + 2];
    return { colour: n !== undefined && n >= 0 && n < 16 ? n : null, next: i + 3 };
  }
  if (codes[i + 1] === 2) return { colour: null, next: i + 5 };
  return { colour: null, next: codes.length };
}

function applySgr(style: Style, params: string): Style {
  const codes = params === '' ? [0] : params.split(/[;:]/).map((p) => (p === '' ? 0 : Number(p)));
  let s = { ...style };
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i]!;
    if (code === 0) s = plain();
    else if (code === 1) s.bold = true;
    else if (code === 2) s.dim = true;
    else if (code === 3) s.italic = true;
    else if (code === 4) s.underline = true;
    else if (code === 22) s.bold = s.dim = false;
    else if (code === 23) s.italic = false;
    else if (code === 24) s.underline = false;
    else if (code >= 30 && code <= 37) s.fg = code - 30;
    else if (code === 39) s.fg = null;
    else if (code >= 40 && code <= 47) s.bg = code - 40;
    else if (code === 49) s.bg = null;
    else if (code >= 90 && code <= 97) s.fg = code - 90 + 8;
    else if (code >= 100 && code <= 107) s.bg = code - 100 + 8;
    else if (code === 38 || code === 48) {
      const { colour, next } = extendedColour(codes, i);
      if (code === 38) s.fg = colour;
      else s.bg = colour;
      i = next - 1;
    }
  }
  return s;
}

export interface AnsiParser {
  /** The segments of the next piece of the same stream; style and a cut-off escape carry over. */
  feed(text: string): LogSegment[];
}

/** One parser per command log: colours set in one chunk hold in the next. */
export function createAnsiParser(): AnsiParser {
  let style = plain();
  let pending = '';
  return {
    feed(chunk) {
      let text = pending + chunk;
      pending = '';
      const cut = UNFINISHED.exec(text);
      if (cut && cut[0].length <= MAX_PENDING) {
        pending = cut[0];
        text = text.slice(0, cut.index);
      }
      const segments: LogSegment[] = [];
      const push = (piece: string) => {
        if (piece === '') return;
        const classes = classesOf(style);
        const last = segments.at(-1);
        if (last && last[1] === classes) last[0] += piece;
        else segments.push([piece, classes]);
      };
      let at = 0;
      for (const match of text.matchAll(TOKEN)) {
        push(text.slice(at, match.index));
        at = match.index + match[0].length;
        if (match[2] === 'm') style = applySgr(style, match[1] ?? '');
      }
      push(text.slice(at));
      return segments;
    },
  };
}

/** A whole text at once (a finished command's log). */
export function ansiSegments(text: string): LogSegment[] {
  return createAnsiParser().feed(text);
}
