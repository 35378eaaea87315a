// Issue 8 item 10: the strength meter agrees with the server's policy (server/password-policy.ts):
// the minimum length, the common-password list (lower-cased) and not the username or email. The list
// loads on demand, only the band the policy can meet; the result is announced once typing pauses.
import { aTimeout, expect, waitUntil } from '@open-wc/testing';
import '../../src/components/index.js';
import { loadTranslation, type AuthRegister, type AuthResetPassword } from '../../src/components/index.js';
import { makeUser } from '../../src/core/state.js';
import { session } from './fake-backend.js';
import { field, mountForm, type } from './helpers.js';

const mount = (attrs = '') => mountForm<AuthRegister>('auth-register', {}, attrs);

const meter = (el: Element) => el.querySelector<HTMLElement>('[part~="strength"]')!;
const reading = (el: Element) => ({ level: meter(el).dataset['level'] ?? '', text: meter(el).textContent?.trim() ?? '' });

/** Type `value` into the new password and wait for a reading (the list may still be loading). */
async function rate(el: AuthRegister | AuthResetPassword, value: string) {
  type(field(el, 'password'), value);
  await el.updateComplete;
  await waitUntil(() => reading(el).text !== '', `no reading for ${value}`, { timeout: 5000 });
  return reading(el);
}

/** Which of the list's chunks the page fetched so far. */
const fetched = () =>
  performance
    .getEntriesByType('resource')
    .map((entry) => /common-passwords-(\d+)/.exec(entry.name)?.[1])
    .filter(Boolean);

describe('password strength meter', () => {

  it('loads the list when the field is first typed into, only the band the policy can meet', async () => {
    const { el } = await mount();
    await aTimeout(50);
    expect(fetched(), 'before typing').to.deep.equal([]);
    expect(await rate(el, 'passwordpassword')).to.deep.equal({ level: 'common', text: 'Too common' });
    // The default minimum is 15: the 8-14 band can never matter, it is not fetched.
    expect(fetched()).to.deep.equal(['15']);
    el.setAttribute('password-min-length', '8');
    await el.updateComplete;
    expect(await rate(el, 'baseball1')).to.deep.equal({ level: 'common', text: 'Too common' });
    expect(fetched()).to.deep.equal(['15', '8']);
  });

  it('does not call passwordpassword OK, whatever the case', async () => {
    const { el } = await mount();
    const figures = [await rate(el, 'passwordpassword'), await rate(el, 'PassWordPassword')];
    console.log(`passwordpassword: ${JSON.stringify(figures)}`);
    for (const figure of figures) expect(figure).to.deep.equal({ level: 'common', text: 'Too common' });
    const { el: eight } = await mount('password-min-length="8"');
    expect(await rate(eight, 'Sunshine1')).to.deep.equal({ level: 'common', text: 'Too common' });
  });

  it('calls 20 random characters strong, and 20 times the same character not', async () => {
    const { el } = await mount();
    const random = await rate(el, 'q8#Vt2!mZx7Lp@4rWn9K');
    const same = await rate(el, 'a'.repeat(20));
    const repeated = await rate(el, 'abcdef'.repeat(3));
    console.log(`random 20: ${JSON.stringify(random)}, 'a' x 20: ${JSON.stringify(same)}, repeated unit: ${JSON.stringify(repeated)}`);
    expect(random).to.deep.equal({ level: 'strong', text: 'Strong' });
    expect(same).to.deep.equal({ level: 'weak', text: 'Weak' });
    expect(repeated.level).to.equal('weak');
    expect(await rate(el, 'correct horse battery')).to.deep.equal({ level: 'strong', text: 'Strong' });
    expect(await rate(el, 'correct horse b')).to.deep.equal({ level: 'ok', text: 'OK' });
    expect(await rate(el, 'correct horse')).to.deep.equal({ level: 'too-short', text: 'Too short (13/15)' });
  });

  it('flags the username or the email as the password, as the server does', async () => {
    const { el } = await mount();
    type(field(el, 'username'), 'Grace.Hopper.1906');
    type(field(el, 'email'), 'grace.hopper@example.com');
    const username = await rate(el, 'grace.hopper.1906');
    // Changing the username afterwards updates the reading.
    type(field(el, 'username'), 'grace');
    await el.updateComplete;
    const renamed = reading(el);
    const email = await rate(el, ' Grace.Hopper@example.com ');
    console.log(`username as password: ${JSON.stringify(username)}, email: ${JSON.stringify(email)}`);
    expect(username).to.deep.equal({ level: 'common', text: 'Same as your username' });
    expect(renamed.level).to.not.equal('common');
    expect(email).to.deep.equal({ level: 'common', text: 'Same as your email address' });
  });

  it("flags the signed-in user's username and email on the change-password form", async () => {
    const user = makeUser({ id: 'u-grace', username: 'grace.hopper.1906', email: 'grace.hopper@example.com', roles: [], permissions: [] });
    const { el } = await mountForm<AuthResetPassword>('auth-reset-password', { restore: session(user) });
    expect(await rate(el, 'Grace.Hopper.1906')).to.deep.equal({ level: 'common', text: 'Same as your username' });
    expect(await rate(el, 'grace.hopper@example.com')).to.deep.equal({ level: 'common', text: 'Same as your email address' });
  });

  it('announces the reading once, when typing pauses, in one polite live region', async () => {
    const { el } = await mount();
    const regions = [...el.querySelectorAll<HTMLElement>('[aria-live]:not([aria-live="off"]), [role="status"], [role="alert"]')];
    const texts: string[] = [];
    const observer = new MutationObserver(() => {
      for (const region of regions) {
        const text = region.textContent?.trim() ?? '';
        if (text && texts.at(-1) !== `${region.getAttribute('part')}:${text}`) texts.push(`${region.getAttribute('part')}:${text}`);
      }
    });
    for (const region of regions) observer.observe(region, { childList: true, characterData: true, subtree: true });
    // A burst of keystrokes, as fast as a person types (all before any pause).
    const input = field(el, 'password');
    const phrase = 'correct horse battery staple';
    for (let i = 1; i <= phrase.length; i++) {
      type(input, phrase.slice(0, i));
      await el.updateComplete;
    }
    await waitUntil(() => texts.length > 0, 'nothing announced', { timeout: 5000 });
    await aTimeout(1500); // nothing more comes once typing has stopped
    observer.disconnect();
    console.log(`announcements after a burst of ${phrase.length} keystrokes: ${texts.length} ${JSON.stringify(texts.slice(0, 3))}`);
    expect(texts).to.deep.equal(['strength-status:Password strength: Strong']);
    const live = el.querySelectorAll('[part~="strength-status"]');
    expect(live).to.have.length(1);
    expect(live[0]!.getAttribute('role')).to.equal('status');
    expect(meter(el).hasAttribute('aria-live')).to.be.false;
  });

  it('speaks French', async () => {
    await loadTranslation('fr');
    const { el } = await mount('lang="fr"');
    expect(await rate(el, 'passwordpassword')).to.deep.equal({ level: 'common', text: 'Trop courant' });
    expect(await rate(el, 'a'.repeat(20))).to.deep.equal({ level: 'weak', text: 'Faible' });
    type(field(el, 'username'), 'grace.hopper.1906');
    expect(await rate(el, 'grace.hopper.1906')).to.deep.equal({ level: 'common', text: "Identique à votre nom d'utilisateur" });
  });

  it('is accessible with a reading shown', async () => {
    const { el } = await mount();
    await rate(el, 'passwordpassword');
    await expect(el).to.be.accessible();
  });
});
