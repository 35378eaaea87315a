// A build step of the minified bundles (script tag, Streamlit page): the CSS that the elements carry
// as template literals (lit's css`…`, the light-DOM form sheet) keeps its indentation and spaces
// through esbuild's minifier. This drops them: each line's indentation and the spaces around
// `{ } ; , >` and after `:`. Newlines stay, so the code's line numbers (and source maps) do not move.
// Only template literals of src/components that look like CSS (braces and colons, no `<`, so never
// an html`…` template) are touched.
import type { Plugin } from 'vite';

type Node = { type?: string; start?: number; end?: number; value?: { raw: string }; quasis?: Node[] } & Record<string, unknown>;

/** The compact text of one piece of CSS (a template literal's static part). */
export function compactCss(raw: string): string {
  return raw
    .replace(/\n[ \t]+/g, '\n')
    .replace(/[ \t]*([{};,>])[ \t]*/g, '$1')
    .replace(/:[ \t]+/g, ':');
}

function templates(node: unknown, found: Node[]): Node[] {
  if (Array.isArray(node)) for (const child of node) templates(child, found);
  else if (node && typeof node === 'object') {
    if ((node as Node).type === 'TemplateLiteral') found.push(node as Node);
    for (const value of Object.values(node)) if (value && typeof value === 'object') templates(value, found);
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
      for (const literal of templates(this.parse(code), [])) {
        const text = literal.quasis!.map((quasi) => quasi.value!.raw).join('');
        if (text.includes('<') || !text.includes('{') || !text.includes(':')) continue;
        for (const quasi of literal.quasis!) {
          const raw = quasi.value!.raw;
          // The parser's offsets of the raw text (between the backtick or `}` and `${` or the backtick).
          if (code.slice(quasi.start, quasi.end) !== raw) throw new Error(`compact-css: unexpected template offsets in ${id}`);
          const compact = compactCss(raw);
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
