/**
 * The account mails. Plain text plus a simple HTML alternative; every interpolated value goes
 * through escapeHtml in the HTML part (a name like `<img src=x onerror=...>` stays text).
 * Subjects are fixed strings: nothing a user typed ends up in a header.
 */
import type { MailMessage } from './types.js';

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function html(paragraphs: readonly string[]): string {
  return `<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">${paragraphs.map((p) => `<p>${p}</p>`).join('')}</body></html>`;
}

const greeting = (name: string): string => (name.trim() === '' ? 'Hello,' : `Hello ${name},`);

/** `<appUrl>?<param>=<token>` (keeps any query the configured URL already has). */
function appLink(appUrl: string, param: string, token: string): string {
  const url = new URL(appUrl);
  url.searchParams.set(param, token);
  return url.toString();
}

/** `<appUrl>?reset_token=<token>`. */
export const resetLink = (appUrl: string, token: string): string => appLink(appUrl, 'reset_token', token);
/** `<appUrl>?verify_token=<token>` (the link that finishes a registration). */
export const verifyLink = (appUrl: string, token: string): string => appLink(appUrl, 'verify_token', token);

/** A mail carrying a single-use link and the same token as a code to paste. */
interface LinkMail {
  readonly subject: string;
  readonly intro: string;
  /** Text before the link, e.g. `Open this link within 30 minutes to …:` */
  readonly open: string;
  /** The HTML link text. */
  readonly action: string;
  /** The line before the code, e.g. `Or paste this reset code into the reset form`. */
  readonly paste: string;
  readonly outro: string;
}

function linkMail(m: LinkMail, p: { to: string; name: string; link: string; token: string; ttlMinutes: number }): MailMessage {
  const open = m.open.replace('{minutes}', String(p.ttlMinutes));
  const text = [greeting(p.name), '', m.intro, open, '', p.link, '', `${m.paste}:`, '', p.token, '', m.outro].join('\n');
  return {
    to: p.to,
    subject: m.subject,
    text,
    html: html([
      escapeHtml(greeting(p.name)),
      m.intro,
      `<a href="${escapeHtml(p.link)}">${m.action}</a> (within ${escapeHtml(String(p.ttlMinutes))} minutes).`,
      `${m.paste}: <code>${escapeHtml(p.token)}</code>`,
      m.outro,
    ]),
  };
}

export function resetPasswordMail(p: { to: string; name: string; link: string; token: string; ttlMinutes: number }): MailMessage {
  return linkMail(
    {
      subject: 'Reset your password',
      intro: 'Someone (hopefully you) asked to reset the password of your account.',
      open: 'Open this link within {minutes} minutes to choose a new password:',
      action: 'Choose a new password',
      paste: 'Or paste this reset code into the reset form',
      outro: 'The link works once. If you did not ask for it, ignore this mail: your password stays as it is.',
    },
    p,
  );
}

/** The proof of the mailbox: the account is created when the link (or code) comes back. */
export function registrationMail(p: { to: string; name: string; link: string; token: string; ttlMinutes: number }): MailMessage {
  return linkMail(
    {
      subject: 'Finish creating your account',
      intro: 'Someone (hopefully you) asked to create an account with this email address.',
      open: 'Open this link within {minutes} minutes to finish creating it:',
      action: 'Finish creating your account',
      paste: 'Or paste this code into the registration form',
      outro: 'The link works once. If you did not ask for it, ignore this mail: no account is created.',
    },
    p,
  );
}

export function usernameReminderMail(p: { to: string; name: string; username: string }): MailMessage {
  return {
    to: p.to,
    subject: 'Your username',
    text: [
      greeting(p.name),
      '',
      'Someone (hopefully you) asked for the username of the account with this email address.',
      '',
      `Your username: ${p.username}`,
      '',
      'If you did not ask for it, you can ignore this mail.',
    ].join('\n'),
    html: html([
      escapeHtml(greeting(p.name)),
      'Someone (hopefully you) asked for the username of the account with this email address.',
      `Your username: <strong>${escapeHtml(p.username)}</strong>`,
      'If you did not ask for it, you can ignore this mail.',
    ]),
  };
}

/** A security notice: greeting, what happened, what to do if it was not the owner. */
function noticeMail(to: string, name: string, subject: string, line: string, warn: string): MailMessage {
  return {
    to,
    subject,
    text: [greeting(name), '', line, '', warn].join('\n'),
    html: html([escapeHtml(greeting(name)), escapeHtml(line), warn]),
  };
}

export function emailChangedMail(p: { to: string; name: string; username: string; newEmail: string }): MailMessage {
  return noticeMail(
    p.to,
    p.name,
    'The email address of your account was changed',
    `The email address of your account "${p.username}" was changed to ${p.newEmail}.`,
    'If you did not do this, reset your password at once and contact the administrator.',
  );
}

/** To the owner of an address someone tried to register again (the HTTP answer does not say it). */
export function registrationExistsMail(p: { to: string; name: string; username: string }): MailMessage {
  return noticeMail(
    p.to,
    p.name,
    'Someone tried to register with your email address',
    `Someone (hopefully you) asked to create a new account with this email address, which already belongs to your account "${p.username}". No new account was created.`,
    'If it was you, log in, or use "forgot password" if you do not remember it. If not, you can ignore this mail.',
  );
}

export function passwordChangedMail(p: { to: string; name: string; username: string; how: 'changed' | 'reset' }): MailMessage {
  return noticeMail(
    p.to,
    p.name,
    'Your password was changed',
    `The password of your account "${p.username}" was ${p.how}. Every other session was signed out.`,
    'If you did not do this, use "forgot password" at once and contact the administrator.',
  );
}
