import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { emulateMedia } from '@web/test-runner-commands';
import '../../src/components/index.js';
import type { AuthLogin, AuthProvider, AuthStatus } from '../../src/components/index.js';
import { fakeClient } from './fake-backend.js';
import { captureWarnings, part, untilStatus } from './helpers.js';

/** The sRGB channels of a computed `rgb()`/`rgba()` colour. */
function channels(color: string): [number, number, number] {
  const m = /rgba?\((\d+(?:\.\d+)?),\s*(\d+(?:\.\d+)?),\s*(\d+(?:\.\d+)?)/.exec(color);
  if (!m) throw new Error(`not an rgb() colour: ${color}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** WCAG 2 contrast ratio of two computed colours. */
function contrast(a: string, b: string): number {
  const luminance = (color: string) => {
    const [r, g, b] = channels(color).map((v) => {
      const c = v / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

const WHITE = 'rgb(255, 255, 255)';
const LIGHT_CARD = WHITE; // --auth-color-surface, light
const DARK_CARD = 'rgb(30, 31, 32)'; // --auth-color-surface, dark (#1e1f20)

/**
 * A page section as a page writes it: its own paragraph and link inside the provider, next to a
 * login form and a status box. `theme` goes on the provider when given.
 */
async function mountPage(theme?: string) {
  const { client } = fakeClient({ restore: null });
  const wrapper = await fixture<HTMLDivElement>(html`<div style="width: 600px"></div>`);
  wrapper.innerHTML = `<auth-provider ${theme === undefined ? '' : `theme="${theme}"`}>
      <p id="own">The page's own text, with <a id="link" href="#here">a link</a>.</p>
      <auth-login></auth-login><auth-status></auth-status>
    </auth-provider>`;
  const provider = wrapper.querySelector('auth-provider') as AuthProvider;
  provider.client = client;
  const login = wrapper.querySelector('auth-login') as AuthLogin;
  const status = wrapper.querySelector('auth-status') as AuthStatus;
  await untilStatus(login, 'anonymous');
  await status.updateComplete;
  const css = (el: Element, property: string) => getComputedStyle(el).getPropertyValue(property);
  return {
    provider,
    login,
    card: () => css(part(login, 'base')!, 'background-color'),
    input: () => css(login.querySelector('input[name=username]')!, 'background-color'),
    statusBox: () => css(part(status, 'base')!, 'background-color'),
    link: () => css(wrapper.querySelector('#link')!, 'color'),
    text: () => css(wrapper.querySelector('#own')!, 'color'),
    /** The page's background behind the section (the test page's canvas: white). */
    page: () => WHITE,
  };
}

describe('colour scheme: the elements follow the page', () => {
  afterEach(async () => {
    await emulateMedia({ colorScheme: 'light' });
    document.documentElement.style.removeProperty('color-scheme');
    document.getElementById('pin')?.remove();
  });

  it('a light page (no color-scheme) with a dark OS: light cards, the page link keeps its contrast', async () => {
    await emulateMedia({ colorScheme: 'dark' });
    const page = await mountPage();
    const figures = { card: page.card(), status: page.statusBox(), input: page.input(), link: page.link(), text: page.text() };
    console.log(`light page, dark OS: ${JSON.stringify(figures)}, link contrast ${contrast(figures.link, page.page()).toFixed(2)}:1`);
    expect(figures.card, 'login card').to.equal(LIGHT_CARD);
    expect(figures.status, 'status box').to.equal(LIGHT_CARD);
    expect(figures.text, 'page text').to.equal('rgb(0, 0, 0)');
    expect(figures.link, 'page link').to.equal('rgb(0, 0, 238)');
    expect(contrast(figures.link, page.page())).to.be.greaterThan(4.5);
  });

  for (const os of ['light', 'dark'] as const) {
    it(`a light page with a ${os} OS passes axe (the page's own link and text included)`, async () => {
      await emulateMedia({ colorScheme: os });
      const page = await mountPage();
      await expect(page.provider.parentElement).to.be.accessible();
    });
  }

  it('a page that declares `color-scheme: light dark` gets dark cards on a dark OS, light ones on a light OS', async () => {
    document.documentElement.style.colorScheme = 'light dark';
    await emulateMedia({ colorScheme: 'dark' });
    const page = await mountPage();
    expect(page.card()).to.equal(DARK_CARD);
    expect(page.statusBox()).to.equal(DARK_CARD);
    await emulateMedia({ colorScheme: 'light' });
    expect(page.card()).to.equal(LIGHT_CARD);
  });

  it('a dark page (`color-scheme: dark`) gets dark cards on a light OS', async () => {
    document.documentElement.style.colorScheme = 'dark';
    const page = await mountPage();
    expect(page.card()).to.equal(DARK_CARD);
  });

  it('theme="dark" on the provider darkens the elements only, never the page content inside it', async () => {
    const page = await mountPage('dark');
    expect(page.card()).to.equal(DARK_CARD);
    expect(page.statusBox()).to.equal(DARK_CARD);
    expect(page.input()).not.to.equal(WHITE);
    expect(page.text()).to.equal('rgb(0, 0, 0)');
    expect(page.link()).to.equal('rgb(0, 0, 238)');
  });

  it('theme="light" keeps the elements light on a dark-capable page with a dark OS; the page content follows the page', async () => {
    document.documentElement.style.colorScheme = 'light dark';
    await emulateMedia({ colorScheme: 'dark' });
    const page = await mountPage('light');
    expect(page.card()).to.equal(LIGHT_CARD);
    expect(page.statusBox()).to.equal(LIGHT_CARD);
    // The page asked for dark: its own text stays the page's (light on dark), untouched by the provider.
    expect(page.text()).to.equal('rgb(255, 255, 255)');
  });

  it('theme="auto" follows the OS whatever the page declares, and can be changed at run time', async () => {
    await emulateMedia({ colorScheme: 'dark' });
    const page = await mountPage('auto');
    expect(page.card()).to.equal(DARK_CARD);
    expect(page.link()).to.equal('rgb(0, 0, 238)');
    await emulateMedia({ colorScheme: 'light' });
    expect(page.card()).to.equal(LIGHT_CARD);
    await emulateMedia({ colorScheme: 'dark' });
    page.provider.setAttribute('theme', 'light');
    expect(page.card()).to.equal(LIGHT_CARD);
    page.provider.removeAttribute('theme');
    expect(page.card(), 'no theme: the light page again').to.equal(LIGHT_CARD);
  });

  it('a page rule on an element wins over the provider theme', async () => {
    const style = document.createElement('style');
    style.id = 'pin';
    style.textContent = 'auth-login { color-scheme: light }';
    document.head.append(style);
    const page = await mountPage('dark');
    expect(page.card()).to.equal(LIGHT_CARD);
    expect(page.statusBox()).to.equal(DARK_CARD);
  });

  it('an unknown theme follows the page and says so in the console; it is not a backend option', async () => {
    await emulateMedia({ colorScheme: 'dark' });
    const warnings = captureWarnings();
    try {
      const page = await mountPage('midnight');
      await page.provider.updateComplete;
      expect(page.card()).to.equal(LIGHT_CARD);
      expect(warnings.messages.join('\n')).to.include('theme="midnight"');
    } finally {
      warnings.restore();
    }
  });

  it('the provider\'s own configuration error takes the theme', async () => {
    const wrapper = await fixture<HTMLDivElement>(html`<div></div>`);
    const warnings = captureWarnings();
    try {
      const configured = oneEvent(wrapper, 'auth-error');
      // No url: a configuration error.
      wrapper.innerHTML = '<auth-provider theme="dark"><p>page</p></auth-provider>';
      const provider = wrapper.querySelector('auth-provider') as AuthProvider;
      await configured;
      await provider.updateComplete;
      const error = part(provider, 'error');
      expect(error, 'configuration error shown').to.exist;
      expect(getComputedStyle(error!).backgroundColor).to.equal(DARK_CARD);
      expect(getComputedStyle(wrapper.querySelector('p')!).color).to.equal('rgb(0, 0, 0)');
    } finally {
      warnings.restore();
    }
  });
});
