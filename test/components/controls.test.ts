// Issue 8 item 9, the controls people expect: a show-password toggle on every password field, a
// spinner in the submit button while pending, hover/active/focus/disabled states, a full-width submit
// on narrow containers, and footer links wired by attributes.
import { aTimeout, expect, waitUntil } from '@open-wc/testing';
import { emulateMedia, resetMouse, sendKeys, sendMouse } from '@web/test-runner-commands';
import '../../src/components/index.js';
import { loadTranslation, type AuthLogin } from '../../src/components/index.js';
import { ada, session } from './fake-backend.js';
import { field, mountForm, part, submitButton, type } from './helpers.js';

type Form = AuthLogin;

/** Mount a form element (signed out unless `restore` says otherwise). */
const mount = (tag: string, attrs = '', options: Parameters<typeof mountForm>[1] = {}) => mountForm<Form>(tag, options, attrs);

/** The toggle button that controls `input`. */
function toggleOf(input: HTMLInputElement): HTMLButtonElement {
  const button = input.parentElement?.querySelector<HTMLButtonElement>('button[part~="password-toggle"]');
  if (!button) throw new Error(`no toggle for ${input.name}`);
  return button;
}

/** The toggle's accessible name: its aria-label, and no other text (the icon is aria-hidden). */
function nameOf(button: HTMLButtonElement): string | null {
  expect(button.textContent?.trim()).to.equal('');
  expect(button.querySelector('svg')?.getAttribute('aria-hidden')).to.equal('true');
  return button.getAttribute('aria-label');
}

function center(el: Element): [number, number] {
  const r = el.getBoundingClientRect();
  return [Math.round(r.left + r.width / 2), Math.round(r.top + r.height / 2)];
}

const css = (el: Element, property: string) => getComputedStyle(el).getPropertyValue(property);

describe('show-password toggle', () => {

  it('is on every password field: a real button named "Show password", aria-pressed, controlling its input', async () => {
    const cases: Array<[string, string, Parameters<typeof mountForm>[1]]> = [
      ['auth-login', '', {}],
      ['auth-register', '', {}],
      ['auth-reset-password', '', { restore: session(ada) }],
      ['auth-update-details', '', { restore: session(ada) }],
    ];
    const seen: string[] = [];
    for (const [tag, attrs, options] of cases) {
      const { el } = await mount(tag, attrs, options);
      // Accessible with a password shown, then back to dots.
      const first = el.querySelector<HTMLInputElement>('input[type="password"]')!;
      toggleOf(first).click();
      await el.updateComplete;
      await expect(el).to.be.accessible();
      toggleOf(first).click();
      await el.updateComplete;
      for (const input of el.querySelectorAll<HTMLInputElement>('input[type="password"]')) {
        const button = toggleOf(input);
        expect(button.type, `${tag} ${input.name}`).to.equal('button');
        expect(button.getAttribute('aria-controls')).to.equal(input.id);
        expect(button.getAttribute('aria-pressed')).to.equal('false');
        expect(nameOf(button), `${tag} ${input.name}`).to.equal('Show password');
        seen.push(`${tag}:${input.name}`);
      }
    }
    expect(seen).to.deep.equal([
      'auth-login:password',
      'auth-register:password',
      'auth-register:password-repeat',
      'auth-reset-password:current-password',
      'auth-reset-password:password',
      'auth-reset-password:password-repeat',
      'auth-update-details:current-password',
    ]);
  });

  it('shows and hides the password, keeping the value and the caret, without submitting', async () => {
    const { el, backend } = await mount('auth-login');
    const input = field(el, 'password');
    type(input, 'hunter2 is long enough');
    input.focus();
    input.setSelectionRange(3, 7);
    let submits = 0;
    el.querySelector('form')!.addEventListener('submit', () => submits++);
    const button = toggleOf(input);
    button.click();
    await el.updateComplete;
    expect(input.type).to.equal('text');
    expect(button.getAttribute('aria-pressed')).to.equal('true');
    expect(input.value).to.equal('hunter2 is long enough');
    expect([input.selectionStart, input.selectionEnd]).to.deep.equal([3, 7]);
    button.click();
    await el.updateComplete;
    expect(input.type).to.equal('password');
    expect(button.getAttribute('aria-pressed')).to.equal('false');
    expect([input.selectionStart, input.selectionEnd]).to.deep.equal([3, 7]);
    // Keyboard: Space and Enter on the focused button toggle it and submit nothing.
    button.focus();
    await sendKeys({ press: 'Space' });
    await el.updateComplete;
    expect(input.type).to.equal('text');
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    expect(input.type).to.equal('password');
    expect(submits).to.equal(0);
    expect(backend.loginCalls).to.have.length(0);
  });

  it('says "Afficher le mot de passe" in French', async () => {
    await loadTranslation('fr');
    const { el } = await mount('auth-login', 'lang="fr"');
    await el.updateComplete;
    expect(nameOf(toggleOf(field(el, 'password')))).to.equal('Afficher le mot de passe');
  });

  it('puts the password back to type=password before the submit event, so password managers see it', async () => {
    const { el } = await mount('auth-login');
    const input = field(el, 'password');
    type(field(el, 'username'), 'ada');
    type(input, 'wrong password');
    const types: string[] = [];
    // Capture at the document: before the element's own listener, as an extension would.
    const spy = (event: Event) => types.push((event.target as HTMLFormElement).querySelector<HTMLInputElement>('input[name="password"]')!.type);
    document.addEventListener('submit', spy, true);
    try {
      toggleOf(input).click();
      await el.updateComplete;
      submitButton(el).click();
      await waitUntil(() => types.length === 1);
      // Enter in the field (implicit submission) too.
      await waitUntil(() => !input.disabled);
      type(input, 'another wrong one'); // the wrong password was emptied
      toggleOf(input).click();
      await el.updateComplete;
      expect(input.type).to.equal('text');
      input.focus();
      await sendKeys({ press: 'Enter' });
      await waitUntil(() => types.length === 2);
    } finally {
      document.removeEventListener('submit', spy, true);
    }
    expect(types).to.deep.equal(['password', 'password']);
    expect(toggleOf(input).getAttribute('aria-pressed')).to.equal('false');
  });
});

describe('submit button while pending', () => {
  afterEach(() => emulateMedia({ reducedMotion: 'no-preference' }));

  it('shows a spinner, marks the form busy and keeps its width', async () => {
    const { el } = await mount('auth-login', '', { loginDelay: 'never' });
    const button = submitButton(el);
    const before = button.getBoundingClientRect().width;
    expect(button.querySelector('[part~="spinner"]'), 'no spinner when idle').to.equal(null);
    type(field(el, 'username'), 'ada');
    type(field(el, 'password'), 'secret');
    button.click();
    await el.updateComplete;
    const spinner = button.querySelector<HTMLElement>('[part~="spinner"]');
    expect(spinner, 'spinner while pending').to.not.equal(null);
    expect(spinner!.getClientRects().length).to.be.greaterThan(0);
    expect(spinner!.getAttribute('aria-hidden')).to.equal('true');
    expect(el.querySelector('form')!.getAttribute('aria-busy')).to.equal('true');
    expect(button.textContent?.trim()).to.equal('Logging in…');
    const during = button.getBoundingClientRect().width;
    console.log(`submit button width idle ${before.toFixed(1)} px, pending ${during.toFixed(1)} px`);
    expect(Math.abs(during - before)).to.be.below(0.5);
    expect(css(spinner!, 'animation-name')).to.not.equal('none');
    await emulateMedia({ reducedMotion: 'reduce' });
    expect(css(spinner!, 'animation-name')).to.equal('none');
  });
});

describe('states of buttons and inputs', () => {
  afterEach(() => resetMouse());

  it('hover, active and disabled change the submit button; hover changes an input; keyboard focus rings on toggle and links', async () => {
    const { el } = await mount('auth-login', 'forgot-href="/forgot"', { loginDelay: 'never' });
    const button = submitButton(el);
    const input = field(el, 'username');
    const idle = { button: css(button, 'background-color'), input: css(input, 'border-color') };
    await sendMouse({ type: 'move', position: center(button) });
    const hover = css(button, 'background-color');
    await sendMouse({ type: 'down' });
    const active = css(button, 'background-color');
    await sendMouse({ type: 'move', position: [1, 1] });
    await sendMouse({ type: 'up' });
    await sendMouse({ type: 'move', position: center(input) });
    const inputHover = css(input, 'border-color');
    console.log(`submit idle ${idle.button}, hover ${hover}, active ${active}; input border idle ${idle.input}, hover ${inputHover}`);
    expect(hover, 'hover').to.not.equal(idle.button);
    expect(active, 'active').to.not.equal(hover);
    expect(active, 'active').to.not.equal(idle.button);
    expect(inputHover, 'input hover').to.not.equal(idle.input);

    // Keyboard focus: the toggle after the password, then the submit button, then the footer link.
    field(el, 'password').focus();
    const toggle = toggleOf(field(el, 'password'));
    await sendKeys({ press: 'Tab' });
    expect(document.activeElement).to.equal(toggle);
    expect(css(toggle, 'outline-style')).to.equal('solid');
    await sendKeys({ press: 'Tab' });
    await sendKeys({ press: 'Tab' });
    const link = part(el, 'link')!;
    expect(el.shadowRoot!.activeElement).to.equal(link);
    expect(css(link, 'outline-style')).to.equal('solid');

    // Disabled while pending: the button and the toggle say so.
    type(input, 'ada');
    type(field(el, 'password'), 'secret');
    button.click();
    await el.updateComplete;
    expect(button.disabled && toggle.disabled).to.be.true;
    expect(Number(css(button, 'opacity'))).to.be.below(1);
    expect(css(toggle, 'cursor')).to.not.equal('pointer');
  });

  it('takes the hover colours from the tokens', async () => {
    const { el, wrapper } = await mount('auth-login');
    wrapper.style.setProperty('--auth-color-accent', 'rgb(0, 128, 0)');
    wrapper.style.setProperty('--auth-color-text', 'rgb(0, 0, 0)');
    const button = submitButton(el);
    await sendMouse({ type: 'move', position: center(button) });
    const hover = css(button, 'background-color');
    wrapper.style.setProperty('--auth-color-accent', 'rgb(128, 0, 0)');
    const other = css(button, 'background-color');
    console.log(`hover with a green accent ${hover}, with a red accent ${other}`);
    expect(hover).to.not.equal(other);
  });
});

describe('full-width submit in narrow containers', () => {
  it('spans the form at 360 px in the main layout, not at 600 px', async () => {
    const { el, wrapper } = await mount('auth-login');
    const widths = () => [submitButton(el).getBoundingClientRect().width, el.querySelector('form')!.getBoundingClientRect().width].map(Math.round);
    wrapper.style.width = '360px';
    await aTimeout(0);
    const narrow = widths();
    wrapper.style.width = '600px';
    await aTimeout(0);
    const wide = widths();
    console.log(`button/form at 360 px: ${narrow.join('/')}, at 600 px: ${wide.join('/')}`);
    expect(narrow[0]).to.equal(narrow[1]);
    expect(wide[0]).to.be.below(wide[1]!);
  });

  it('centres the label in a taller button (a theme\'s min-height, e.g. Streamlit\'s 2.5rem)', async () => {
    const { el } = await mount('auth-login');
    const button = submitButton(el);
    button.style.minHeight = '4rem';
    await aTimeout(0);
    const range = document.createRange();
    range.selectNodeContents(button);
    const text = [...range.getClientRects()].filter((r) => r.width > 1 && r.height > 1).at(-1)!;
    const box = button.getBoundingClientRect();
    const [above, below] = [text.top - box.top, box.bottom - text.bottom];
    expect(Math.abs(above - below), `${above.toFixed(1)} px above the label, ${below.toFixed(1)} px under it`).to.be.at.most(2);
  });

  it('a full-width button keeps one line: in a 250 px French sidebar, as tall as a field', async () => {
    await loadTranslation('fr');
    for (const attrs of ['location="sidebar" lang="fr"', 'lang="fr"']) {
      const { el, wrapper } = await mount('auth-login', attrs);
      wrapper.style.width = '250px';
      await aTimeout(0);
      const button = submitButton(el).getBoundingClientRect().height;
      const input = field(el, 'username').getBoundingClientRect().height;
      // "Se connecter" fits one line; the hidden busy label ("Connexion…") must not add a second.
      expect(button, `${attrs}: button ${button} px, field ${input} px`).to.be.at.most(input + 2);
    }
  });
});

describe('footer links', () => {
  const links = (el: Element) =>
    [...(el.shadowRoot?.querySelectorAll<HTMLAnchorElement>('[part~="footer"] a[part~="link"]') ?? [])].map((a) => ({
      text: a.textContent?.trim(),
      href: a.getAttribute('href'),
    }));
  const footer = (el: Element) => part(el, 'footer')?.textContent?.replace(/[ \n\t]+/g, ' ').trim() ?? '';

  it('<auth-login>: "Forgot password?" and "Create an account" from forgot-href and register-href, only when set', async () => {
    const none = await mount('auth-login');
    expect(part(none.el, 'footer')).to.equal(null);
    const { el } = await mount('auth-login', 'forgot-href="/forgot" register-href="/register"');
    expect(links(el)).to.deep.equal([
      { text: 'Forgot password?', href: '/forgot' },
      { text: 'Create an account', href: '/register' },
    ]);
    const one = await mount('auth-login', 'register-href="/join"');
    expect(links(one.el)).to.deep.equal([{ text: 'Create an account', href: '/join' }]);
    await expect(el).to.be.accessible();
  });

  it('<auth-register>: "Already have an account? Log in"; <auth-forgot>: "Back to log in"', async () => {
    const register = await mount('auth-register', 'login-href="/login"');
    expect(links(register.el)).to.deep.equal([{ text: 'Log in', href: '/login' }]);
    expect(footer(register.el)).to.equal('Already have an account? Log in');
    const forgot = await mount('auth-forgot', 'login-href="/login"');
    expect(links(forgot.el)).to.deep.equal([{ text: 'Back to log in', href: '/login' }]);
    expect(part((await mount('auth-register')).el, 'footer')).to.equal(null);
  });

  it('speaks French', async () => {
    await loadTranslation('fr');
    const login = await mount('auth-login', 'lang="fr" forgot-href="/f" register-href="/r"');
    expect(links(login.el).map((l) => l.text)).to.deep.equal(['Mot de passe oublié\u00a0?', 'Créer un compte']);
    const register = await mount('auth-register', 'lang="fr" login-href="/l"');
    expect(footer(register.el)).to.equal('Vous avez déjà un compte\u00a0? Se connecter');
    const forgot = await mount('auth-forgot', 'lang="fr" login-href="/l"');
    expect(links(forgot.el).map((l) => l.text)).to.deep.equal(['Retour à la connexion']);
  });
});
