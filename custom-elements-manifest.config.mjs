// What `cem analyze` (in `npm run build`) reads: dist/custom-elements.json from the elements' sources
// and their JSDoc, corrected where the analyzer guesses wrong. test/components/manifest.test.ts checks
// the result against the elements as they run in Chromium.

/** The kit tokens (src/components/styles/tokens.ts), described once for every element that reads them. */
const TOKENS = {
  '--auth-font': 'Font family. Default: the page font (inherited).',
  '--auth-color-text': 'Text colour.',
  '--auth-color-muted': 'Secondary text (hints, roles).',
  '--auth-color-surface': 'Card, input and button background.',
  '--auth-color-border': 'Border colour.',
  '--auth-color-accent': 'Accent: the submit button, the success mark, the focus ring.',
  '--auth-color-on-accent': 'Text on the accent colour.',
  '--auth-color-danger': 'Error colour.',
  '--auth-radius': 'Corner radius. Default `0.375rem`.',
  '--auth-spacing': 'Padding and gaps. Default `1rem`.',
  '--auth-focus-ring': 'Focus outline. Default `2px solid` the accent colour.',
  '--auth-color-scheme': 'The elements\' `color-scheme` (`light`, `dark` or `light dark`); `<auth-provider theme>` sets it. Unset: the page\'s.',
};

/**
 * The properties of every form element (auth-form.styles.ts): `--auth-<element>-<name>` for one
 * element, else `--auth-form-<name>` for all of them, else the kit token.
 */
const FORM = {
  color: ['Text colour', '--auth-color-text'],
  muted: ['Hints and the strength indicator', '--auth-color-muted'],
  background: ['Card and input background', '--auth-color-surface'],
  border: ['Card and input border colour', '--auth-color-border'],
  accent: ['Submit button background, success mark', '--auth-color-accent'],
  'on-accent': ['Submit button text', '--auth-color-on-accent'],
  danger: ['Error colour', '--auth-color-danger'],
  radius: ['Corner radius', '--auth-radius'],
  spacing: ['Padding and gaps', '--auth-spacing'],
  'focus-ring': ['Focus outline', '--auth-focus-ring'],
  'max-width': ['Maximum width of the card', '`26rem`'],
  'placeholder-height': ['Height kept while the session is being restored', '`15rem`'],
};

/** Lit `static properties` declared `state: true` (or `attribute: false`), by class: internal state, not attributes. */
const internal = new Map();

function authElementsManifest() {
  return {
    name: 'auth-elements: internal Lit state is no attribute; events from JSDoc; kit-wide CSS properties',
    analyzePhase({ ts, node }) {
      if (!ts.isClassDeclaration(node) || !node.name) return;
      for (const member of node.members) {
        const isProps = member.name?.getText() === 'properties' && member.modifiers?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword);
        const object = isProps && member.initializer && ts.isObjectLiteralExpression(member.initializer) ? member.initializer : null;
        for (const prop of object?.properties ?? []) {
          if (!ts.isPropertyAssignment(prop) || !ts.isObjectLiteralExpression(prop.initializer)) continue;
          const options = Object.fromEntries(
            prop.initializer.properties.filter(ts.isPropertyAssignment).map((o) => [o.name.getText(), o.initializer.kind]),
          );
          if (options.state === ts.SyntaxKind.TrueKeyword || options.attribute === ts.SyntaxKind.FalseKeyword) {
            if (!internal.has(node.name.text)) internal.set(node.name.text, new Set());
            internal.get(node.name.text).add(prop.name.getText());
          }
        }
      }
    },
    packageLinkPhase({ customElementsManifest }) {
      for (const module of customElementsManifest.modules) {
        for (const d of module.declarations ?? []) {
          if (d.kind !== 'class') continue;
          const isInternal = (field, owner) => internal.get(owner?.name ?? d.name)?.has(field);
          d.attributes = d.attributes?.filter((a) => !isInternal(a.fieldName, a.inheritedFrom));
          for (const m of d.members ?? []) if (m.attribute && isInternal(m.name, m.inheritedFrom)) delete m.attribute;
          // The analyzer also lists `dispatchEvent(new SomeEvent(x))` calls under the name of their first
          // argument (`error`, `state`, …) and on every subclass of the class that holds the call. The
          // events are those documented with `@fires {Class} name` on each element.
          d.events = d.events?.filter((e) => e.name && e.description);
          if (d.superclass?.name === 'AuthForm' && d.tagName) {
            const own = d.tagName.replace(/^auth-/, '');
            const props = Object.entries(FORM).flatMap(([name, [text, fallback]]) => [
              { name: `--auth-${own}-${name}`, description: `${text}, for this element only. Default \`--auth-form-${name}\`.` },
              { name: `--auth-form-${name}`, description: `${text}, for every form element. Default ${fallback}.` },
            ]);
            d.cssProperties = [...(d.cssProperties ?? []), ...props, ...Object.keys(TOKENS).map((name) => ({ name }))];
          }
          for (const p of d.cssProperties ?? []) p.description ||= TOKENS[p.name] ?? '';
          if (d.cssProperties) d.cssProperties = d.cssProperties.filter((p, i, all) => all.findIndex((q) => q.name === p.name) === i);
          if (d.events && !d.events.length) delete d.events;
          if (d.attributes && !d.attributes.length) delete d.attributes;
        }
      }
    },
  };
}

export default {
  globs: ['src/components/**/*.ts'],
  outdir: 'dist',
  litelement: true,
  plugins: [authElementsManifest()],
};
