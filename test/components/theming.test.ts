import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { emulateMedia } from '@web/test-runner-commands';
import '../../src/components/index.js';
import type { AuthLogin, AuthProvider, AuthRegister, AuthStatus } from '../../src/components/index.js';
import { fakeClient, session, ada } from './fake-backend.js';
import { field, part, submitButton, untilStatus } from './helpers.js';

const css = (el: Element, property: string) => getComputedStyle(el).getPropertyValue(property);

/** A page stylesheet of its own (unlayered, like any page's), removed after each test. */
function pageStyle(text: string): HTMLStyleElement {
  const style = document.createElement('style');
  style.className = 'page-css';
  style.textContent = text;
  document.head.append(style);
  return style;
}

/** Mount a provider with `inner` inside a box of `width` px; wait until the elements settled. */
async function mount(inner: string, options: { width?: number; restore?: ReturnType<typeof session> | null; attrs?: string } = {}) {
  const { client } = fakeClient({ restore: options.restore ?? null });
  const wrapper = await fixture<HTMLDivElement>(html`<div></div>`);
  wrapper.style.width = `${options.width ?? 600}px`;
  wrapper.innerHTML = `<auth-provider ${options.attrs ?? ''}>${inner}</auth-provider>`;
  (wrapper.querySelector('auth-provider') as AuthProvider).client = client;
  const status = options.restore ? 'authenticated' : 'anonymous';
  for (const el of wrapper.querySelectorAll<AuthLogin | AuthStatus>('auth-login, auth-status, auth-register')) {
    await untilStatus(el, status);
  }
  return wrapper;
}

/** Submit a wrong password so that both login fields are marked invalid. */
async function failLogin(login: AuthLogin): Promise<void> {
  field(login, 'username').value = 'ada';
  field(login, 'password').value = 'wrong';
  submitButton(login).click();
  await waitUntil(() => field(login, 'password').getAttribute('aria-invalid') === 'true', 'no invalid field');
}

afterEach(async () => {
  for (const style of document.querySelectorAll('.page-css, link.theme')) style.remove();
  document.documentElement.style.removeProperty('color-scheme');
  await emulateMedia({ colorScheme: 'light' });
});

describe('theming: the error border survives page CSS', () => {
  it('an invalid input keeps the danger border under a page rule `input { border: 1px solid #ccc }`', async () => {
    pageStyle('input { border: 1px solid #ccc } input:focus { border-color: #ccc }');
    const wrapper = await mount('<auth-login></auth-login>');
    const login = wrapper.querySelector('auth-login') as AuthLogin;
    await failLogin(login);
    const danger = 'rgb(179, 38, 30)'; // --auth-color-danger, light
    const figures = ['username', 'password'].map((name) => css(field(login, name), 'border-top-color'));
    console.log(`invalid inputs' border colours under page CSS: ${figures.join(', ')} (danger ${danger})`);
    expect(figures).to.deep.equal([danger, danger]);
    // A field that is not invalid shows the page's border: the page still styles inputs.
    expect(css(field(login, 'username'), 'border-top-width')).to.equal('1px');
  });

  it('not even a rule aimed at the invalid state hides it; --auth-input-invalid-color and --auth-color-danger change it', async () => {
    pageStyle('input { border: 1px solid #ccc } auth-login [part~="input"][aria-invalid="true"] { border-color: rgb(204, 204, 204) }');
    const wrapper = await mount('<auth-login style="--auth-color-danger: rgb(120, 0, 60)"></auth-login>');
    const login = wrapper.querySelector('auth-login') as AuthLogin;
    await failLogin(login);
    expect(css(field(login, 'password'), 'border-top-color')).to.equal('rgb(120, 0, 60)');
    expect(css(login.querySelector('[part~="field-error"]')!, 'color')).to.equal('rgb(120, 0, 60)');
    login.style.setProperty('--auth-input-invalid-color', 'rgb(0, 90, 0)');
    expect(css(field(login, 'password'), 'border-top-color')).to.equal('rgb(0, 90, 0)');
    expect(css(login.querySelector('[part~="field-error"]')!, 'color')).to.equal('rgb(120, 0, 60)');
  });
});

describe('theming: documented CSS properties reach the light-DOM form', () => {
  it('font size, heading size, card shadow and border, input fill, border and radius, button colours', async () => {
    const wrapper = await mount('<auth-login></auth-login><auth-status></auth-status>');
    wrapper.setAttribute(
      'style',
      `width: 600px; --auth-font-size: 13px; --auth-heading-size: 31px; --auth-card-shadow: rgb(1, 2, 3) 0px 4px 9px 0px;
       --auth-card-border: 3px dashed rgb(4, 5, 6); --auth-input-background: rgb(7, 8, 9); --auth-input-border: 2px dotted rgb(10, 11, 12);
       --auth-input-radius: 7px; --auth-button-background: rgb(13, 14, 15); --auth-button-color: rgb(240, 241, 242)`,
    );
    const login = wrapper.querySelector('auth-login') as AuthLogin;
    const status = wrapper.querySelector('auth-status') as AuthStatus;
    const input = field(login, 'username');
    const label = login.querySelector('[part~="label"]')!;
    const button = submitButton(login);
    const card = part(login, 'base')!;
    const seen = {
      inputFont: css(input, 'font-size'),
      labelFont: css(label, 'font-size') !== '' && parseFloat(css(label, 'font-size')) <= 13,
      buttonFont: css(button, 'font-size'),
      heading: css(part(login, 'header')!, 'font-size'),
      shadow: css(card, 'box-shadow'),
      cardBorder: `${css(card, 'border-top-width')} ${css(card, 'border-top-style')} ${css(card, 'border-top-color')}`,
      statusShadow: css(part(status, 'base')!, 'box-shadow'),
      statusFont: css(status, 'font-size'),
      inputBackground: css(input, 'background-color'),
      inputBorder: `${css(input, 'border-top-width')} ${css(input, 'border-top-style')} ${css(input, 'border-top-color')}`,
      inputRadius: css(input, 'border-top-left-radius'),
      buttonBackground: css(button, 'background-color'),
      buttonColor: css(button, 'color'),
    };
    console.log(`documented properties: ${JSON.stringify(seen)}`);
    expect(seen).to.deep.equal({
      inputFont: '13px',
      labelFont: true,
      buttonFont: '13px',
      heading: '31px',
      shadow: 'rgb(1, 2, 3) 0px 4px 9px 0px',
      cardBorder: '3px dashed rgb(4, 5, 6)',
      statusShadow: 'rgb(1, 2, 3) 0px 4px 9px 0px',
      statusFont: '13px',
      inputBackground: 'rgb(7, 8, 9)',
      inputBorder: '2px dotted rgb(10, 11, 12)',
      inputRadius: '7px',
      buttonBackground: 'rgb(13, 14, 15)',
      buttonColor: 'rgb(240, 241, 242)',
    });
  });

  it('the per-form names win over the kit ones (--auth-form-X, then --auth-<element>-X)', async () => {
    const wrapper = await mount('<auth-login></auth-login>');
    wrapper.setAttribute('style', 'width: 600px; --auth-input-radius: 7px; --auth-form-input-radius: 8px; --auth-button-background: rgb(1, 1, 1)');
    const login = wrapper.querySelector('auth-login') as AuthLogin;
    login.style.setProperty('--auth-login-button-background', 'rgb(2, 2, 2)');
    expect(css(field(login, 'password'), 'border-top-left-radius')).to.equal('8px');
    expect(css(submitButton(login), 'background-color')).to.equal('rgb(2, 2, 2)');
  });
});

describe('theming: the default look', () => {
  for (const scheme of ['light', 'dark'] as const) {
    it(`no box in a box (${scheme}): the card's edge is quieter than the fields', with a shadow`, async () => {
      document.documentElement.style.colorScheme = scheme;
      const wrapper = await mount('<auth-login></auth-login><auth-register></auth-register><auth-status></auth-status>');
      const login = wrapper.querySelector('auth-login') as AuthLogin;
      const card = part(login, 'base')!;
      const input = field(login, 'username');
      // `rgba(r, g, b, a)` or `color(srgb r g b / a)`; opaque otherwise.
      const alpha = (color: string) => {
        const m = /^rgba\(.*,\s*([\d.]+)\)$|\/\s*([\d.]+)\)$/.exec(color);
        return Number(m?.[1] ?? m?.[2] ?? 1);
      };
      const seen = { card: css(card, 'border-top-color'), input: css(input, 'border-top-color'), shadow: css(card, 'box-shadow') };
      console.log(`default look, ${scheme}: ${JSON.stringify(seen)}`);
      expect(seen.card).not.to.equal(seen.input);
      expect(alpha(seen.card)).to.be.below(0.3);
      expect(alpha(seen.input)).to.equal(1);
      expect(seen.shadow).not.to.equal('none');
      // Contrast of everything, the error colours included.
      await failLogin(login);
      await expect(wrapper).to.be.accessible();
    });
  }

  it('the form-level error box (a tint of the danger colour) passes axe in light and dark', async () => {
    const { client } = fakeClient({ restore: null, loginError: 'rate_limited' });
    const wrapper = await fixture<HTMLDivElement>(html`<div style="width: 600px"></div>`);
    wrapper.innerHTML = '<auth-provider><auth-login></auth-login><auth-login location="sidebar" style="width: 250px" fields=\'{"title": "Sign in"}\'></auth-login></auth-provider>';
    (wrapper.querySelector('auth-provider') as AuthProvider).client = client;
    for (const login of wrapper.querySelectorAll<AuthLogin>('auth-login')) {
      await untilStatus(login, 'anonymous');
      field(login, 'username').value = 'ada';
      field(login, 'password').value = 'secret';
      submitButton(login).click();
      await waitUntil(() => part(login, 'error')?.hidden === false, 'no form-level error');
    }
    for (const scheme of ['light', 'dark'] as const) {
      document.documentElement.style.colorScheme = scheme;
      const box = getComputedStyle(part(wrapper.querySelector('auth-login')!, 'error')!);
      console.log(`form-level error, ${scheme}: ${box.color} on ${box.backgroundColor}`);
      await expect(wrapper).to.be.accessible();
    }
  });

  it('the sidebar status box is balanced: as much room under the text as over it, with no actions', async () => {
    for (const restore of [null, session(ada)]) {
      const wrapper = await mount('<auth-status location="sidebar"></auth-status>', { width: 250, restore });
      const status = wrapper.querySelector('auth-status') as AuthStatus;
      const box = part(status, 'base')!.getBoundingClientRect();
      const text = part(status, 'text')!.getBoundingClientRect();
      const over = Math.round(text.top - box.top);
      const under = Math.round(box.bottom - text.bottom);
      console.log(`sidebar status (${restore ? 'signed in' : 'signed out'}): ${over}px over the text, ${under}px under it`);
      expect(Math.abs(over - under)).to.be.at.most(1);
    }
  });
});

/** The demo's two themes (demo/themes.css), made only with the documented hooks. */
const THEMES = {
  streamlit: {
    font: /Source Sans/,
    inputRadius: '8px',
    inputBackground: 'rgb(240, 242, 246)',
    labelSize: '14px',
    buttonRadius: '8px',
    cardShadow: 'none',
    cardBorder: '1px',
    invalid: 'rgb(255, 43, 43)',
  },
  material: {
    font: /Roboto/,
    inputRadius: '4px',
    inputBackground: 'rgb(230, 224, 233)',
    labelSize: '14px',
    buttonRadius: '20px',
    cardShadow: /rgba?\(/,
    cardBorder: '0px',
    invalid: 'rgb(179, 38, 30)',
  },
} as const;

describe('theming: the demo themes use documented hooks only and change what they claim', () => {
  for (const [name, claims] of Object.entries(THEMES)) {
    it(`the ${name}-like theme`, async () => {
      const link = document.createElement('link');
      link.rel = 'stylesheet';
      link.href = '/demo/themes.css';
      link.className = 'theme';
      const loaded = new Promise((resolve, reject) => {
        link.onload = resolve;
        link.onerror = reject;
      });
      document.head.append(link);
      await loaded;
      const wrapper = await mount('<auth-login></auth-login><auth-register></auth-register><auth-status></auth-status>');
      const plain = { input: css(field(wrapper.querySelector('auth-login')!, 'username'), 'background-color') };
      wrapper.dataset.theme = name;
      const login = wrapper.querySelector('auth-login') as AuthLogin;
      const register = wrapper.querySelector('auth-register') as AuthRegister;
      for (const el of [login, register]) {
        const input = field(el, 'username');
        const seen = {
          font: css(input, 'font-family'),
          labelFont: css(el.querySelector('[part~="label"]')!, 'font-family'),
          inputRadius: css(input, 'border-top-left-radius'),
          inputBackground: css(input, 'background-color'),
          labelSize: css(el.querySelector('[part~="label"]')!, 'font-size'),
          buttonRadius: css(submitButton(el), 'border-top-left-radius'),
          cardShadow: css(part(el, 'base')!, 'box-shadow'),
          cardBorder: css(part(el, 'base')!, 'border-top-width'),
        };
        console.log(`${name} theme on ${el.localName}: ${JSON.stringify(seen)}`);
        expect(seen.font).to.match(claims.font);
        expect(seen.labelFont).to.match(claims.font);
        expect(seen.inputRadius).to.equal(claims.inputRadius);
        expect(seen.inputBackground).to.equal(claims.inputBackground);
        expect(seen.inputBackground).not.to.equal(plain.input);
        expect(seen.labelSize).to.equal(claims.labelSize);
        expect(seen.buttonRadius).to.equal(claims.buttonRadius);
        if (typeof claims.cardShadow === 'string') expect(seen.cardShadow).to.equal(claims.cardShadow);
        else expect(seen.cardShadow).to.match(claims.cardShadow);
        expect(seen.cardBorder).to.equal(claims.cardBorder);
      }
      expect(css(part(wrapper.querySelector('auth-status')!, 'base')!, 'font-family')).to.match(claims.font);
      await failLogin(login);
      // The theme's own rules on the inputs (Material's underline) do not hide the error border.
      expect(css(field(login, 'password'), 'border-bottom-color')).to.equal(claims.invalid);
      for (const scheme of ['light', 'dark'] as const) {
        await emulateMedia({ colorScheme: scheme });
        document.documentElement.style.colorScheme = 'light dark';
        await expect(wrapper).to.be.accessible();
      }
    });
  }
});
