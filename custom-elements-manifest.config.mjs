// What `cem analyze` (in `npm run build`) reads: dist/custom-elements.json from the elements' sources
// and their JSDoc, corrected where the analyzer guesses wrong. test/components/manifest.test.ts checks
// the result against the elements as they run in Chromium.

/** The kit tokens (src/components/styles/tokens.ts), described once for every element that reads them. */
const TOKENS = {
  '--auth-font': 'Font family. Default: the page font (inherited).',
  '--auth-color-text': 'Text colour.',
  '--auth-color-muted': 'Secondary text (hints, roles).',
  '--auth-font-size': 'Text size of every element (labels, hints and field errors are 0.875em of it). Default: the page\'s.',
  '--auth-heading-size': 'Size of form titles (0.88 of it in the sidebar). Default `1.25em`.',
  '--auth-color-surface': 'Cards\' background (and the fields\', unless `--auth-input-background` is set).',
  '--auth-color-border': 'The fields\', the logout button\'s and role badges\' border colour (3:1 on the card).',
  '--auth-card-border': 'The cards\' border (a whole `border` value). Default 1px of black at 10 % (dark: white at 14 %).',
  '--auth-card-shadow': 'The cards\' shadow.',
  '--auth-input-background': 'The fields\' fill. Default the surface colour.',
  '--auth-input-border': 'The fields\' border (a whole `border` value). Default 1px of the border colour.',
  '--auth-input-radius': 'Corner radius of fields and buttons. Default half of `--auth-radius`.',
  '--auth-input-invalid-color': 'Border colour of an invalid field (page rules on inputs do not override it). Default the danger colour.',
  '--auth-button-background': 'Submit button background. Default the accent colour.',
  '--auth-button-color': 'Submit button text. Default the on-accent colour.',
  '--auth-color-accent': 'Accent: the submit button, the success mark, the focus ring.',
  '--auth-color-on-accent': 'Text on the accent colour.',
  '--auth-color-danger': 'Error colour.',
  '--auth-radius': 'Corner radius of the cards. Default `0.75rem`.',
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
  background: ['Card background (and the fields\', unless `input-background` is set)', '--auth-color-surface'],
  border: ['The fields\' border colour', '--auth-color-border'],
  accent: ['Submit button background (unless `button-background` is set), success message', '--auth-color-accent'],
  'on-accent': ['Submit button text (unless `button-color` is set)', '--auth-color-on-accent'],
  danger: ['Error colour', '--auth-color-danger'],
  radius: ['Corner radius of the card', '--auth-radius'],
  spacing: ['Padding and gaps', '--auth-spacing'],
  'focus-ring': ['Focus outline', '--auth-focus-ring'],
  'heading-size': ['Size of the title (0.88 of it in the sidebar)', '--auth-heading-size, else `1.25em`'],
  'card-border': ['The card\'s border (a whole `border` value)', '--auth-card-border'],
  'card-shadow': ['The card\'s shadow', '--auth-card-shadow'],
  'input-background': ['The fields\' fill', '--auth-input-background, else the background'],
  'input-border': ['The fields\' border (a whole `border` value)', '--auth-input-border, else 1px of the border colour'],
  'input-radius': ['Corner radius of the fields and the button', '--auth-input-radius, else half the radius'],
  'input-invalid-color': ['Border colour of an invalid field (page rules on inputs do not override it)', '--auth-input-invalid-color, else the danger colour'],
  'button-background': ['Submit button background', '--auth-button-background, else the accent'],
  'button-color': ['Submit button text', '--auth-button-color, else the on-accent colour'],
  'max-width': ['Maximum width of the card', '`26rem`'],
  'placeholder-height': ['Minimum height kept while the session is being restored (the invisible form already keeps its size)', '`auto`'],
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
