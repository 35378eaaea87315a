// A build step of the minified bundles (script tag, Streamlit page): the CSS that the elements carry
// as template literals (lit's css`…`, the light-DOM form sheet) keeps its indentation and spaces
// through esbuild's minifier. This drops them: each line's indentation and the spaces around
// `{ } ; , >` and after `:`. Only template literals of src/components that look like CSS (braces and
// colons, no `<`, so never an html`…` template) are touched. Lit's html`…` templates lose their
// lines' indentation too: a newline stays, so every whitespace-only text node stays one (no element
// of the kit keeps white space as typed: no <pre>, no `white-space: pre`) and renders the same.
// Newlines stay, so the code's line numbers (and source maps) do not move.
import type { Plugin } from 'vite';

type Node = {
  type?: string;
  start?: number;
  end?: number;
  value?: { raw: string };
  quasis?: Node[];
  tag?: Node & { name?: string };
  quasi?: Node;
} & Record<string, unknown>;

/** The compact text of one piece of CSS (a template literal's static part). */
export function compactCss(raw: string): string {
  return raw
    .replace(/\n[ \t]+/g, '\n')
    .replace(/[ \t]*([{};,>])[ \t]*/g, '$1')
    .replace(/:[ \t]+/g, ':');
}

/** The compact text of one static part of a lit html`…` template: no indentation after a newline. */
export function compactHtml(raw: string): string {
  return raw.replace(/\n[ \t]+/g, '\n');
}

function templates(node: unknown, found: Node[], html: Set<Node>): Node[] {
  if (Array.isArray(node)) for (const child of node) templates(child, found, html);
  else if (node && typeof node === 'object') {
    const n = node as Node;
    if (n.type === 'TemplateLiteral') found.push(n);
    if (n.type === 'TaggedTemplateExpression' && n.tag?.type === 'Identifier' && n.tag.name === 'html' && n.quasi) html.add(n.quasi);
    for (const value of Object.values(node)) if (value && typeof value === 'object') templates(value, found, html);
  }
  return found;
}

export function compactCssPlugin(): Plugin {
  return {
    name: 'auth-elements:compact-css',
    enforce: 'post',
    apply: 'build',
    transform(code, id) {
      if (!/\/src\/components\/.*\.ts$/.test(id) || !code.includes('`')) return null;
      const edits: Array<[number, number, string]> = [];
      const html = new Set<Node>();
      for (const literal of templates(this.parse(code), [], html)) {
        const text = literal.quasis!.map((quasi) => quasi.value!.raw).join('');
        const compactor = html.has(literal) ? compactHtml : text.includes('<') || !text.includes('{') || !text.includes(':') ? null : compactCss;
        if (!compactor) continue;
        for (const quasi of literal.quasis!) {
          const raw = quasi.value!.raw;
          // The parser's offsets of the raw text (between the backtick or `}` and `${` or the backtick).
          if (code.slice(quasi.start, quasi.end) !== raw) throw new Error(`compact-css: unexpected template offsets in ${id}`);
          const compact = compactor(raw);
          if (compact !== raw) edits.push([quasi.start!, quasi.end!, compact]);
        }
      }
      if (!edits.length) return null;
      let out = code;
      for (const [start, end, text] of edits.sort((a, b) => b[0] - a[0])) out = out.slice(0, start) + text + out.slice(end);
      return { code: out, map: null };
    },
  };
}
