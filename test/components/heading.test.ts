import { expect } from '@open-wc/testing';
import '../../src/components/index.js';
import { ada, session, type FakeBackendOptions } from './fake-backend.js';
import { captureWarnings, mountForm, part } from './helpers.js';

/*
 * Issue 8 item 8: the title of every form element is a real heading (<h1>-<h6>, `heading-level`,
 * default 2) that a page can hide visually (`hide-heading`) while screen readers keep it.
 */

type El = HTMLElement & { state: { status: 'unknown' | 'anonymous' | 'pending' | 'authenticated' | 'error' }; updateComplete: Promise<unknown> };

const FORMS: Array<[tag: string, options: FakeBackendOptions]> = [
  ['auth-login', {}],
  ['auth-register', {}],
  ['auth-forgot', {}],
  ['auth-reset-password', {}],
  ['auth-update-details', { restore: session(ada) }],
];

describe('form headings', () => {
  for (const [tag, options] of FORMS) {
    it(`<${tag}>: the title is an <h2> by default, <hN> with heading-level, and stays accessible`, async () => {
      const { el } = await mountForm<El>(tag, options);
      const title = part(el, 'header')!;
      expect(title.localName).to.equal('h2');
      expect(title.textContent?.trim()).to.not.equal('');
      for (const level of [1, 3, 6]) {
        el.setAttribute('heading-level', String(level));
        await el.updateComplete;
        expect(part(el, 'header')!.localName).to.equal(`h${level}`);
        expect(part(el, 'header')!.textContent).to.equal(title.textContent);
      }
      await expect(el).to.be.accessible();
    });
  }

  it('an invalid heading-level is 2, with one console warning', async () => {
    const warnings = captureWarnings();
    try {
      const { el } = await mountForm<El>('auth-login', {}, 'heading-level="7"');
      expect(part(el, 'header')!.localName).to.equal('h2');
      for (const value of ['0', 'abc', '2.5', '']) {
        el.setAttribute('heading-level', value);
        await el.updateComplete;
        expect(part(el, 'header')!.localName, `heading-level="${value}"`).to.equal('h2');
      }
    } finally {
      warnings.restore();
    }
    expect(warnings.messages.filter((m) => m.includes('heading-level')).length).to.equal(1);
    expect(warnings.messages.find((m) => m.includes('heading-level'))).to.contain('1 to 6');
  });

  it('hide-heading hides the title visually and keeps it for screen readers', async () => {
    const { el } = await mountForm<El>('auth-login', {}, 'hide-heading heading-level="3"');
    const title = part(el, 'header')!;
    expect(title.localName).to.equal('h3');
    expect(title.textContent).to.equal('Login');
    const box = title.getBoundingClientRect();
    expect(box.width * box.height).to.be.at.most(1);
    expect(getComputedStyle(title).display).to.not.equal('none');
    expect(title.getAttribute('aria-hidden')).to.equal(null);
    // The fields start at the card's top: the hidden title takes no room (under the card's padding,
    // only the form's own gap above the first label, well under a title's line).
    const base = part(el, 'base')!;
    const label = el.querySelector('label')!.getBoundingClientRect();
    const padding = parseFloat(getComputedStyle(base).paddingTop);
    expect(label.top - base.getBoundingClientRect().top - padding).to.be.below(12);
    await expect(el).to.be.accessible();
  });
});
