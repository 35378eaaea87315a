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

/** `<appUrl>?reset_token=<token>` (keeps any query the configured URL already has). */
export function resetLink(appUrl: string, token: string): string {
  const url = new URL(appUrl);
  url.searchParams.set('reset_token', token);
  return url.toString();
}

export function resetPasswordMail(p: { to: string; name: string; link: string; token: string; ttlMinutes: number }): MailMessage {
  const text = [
    greeting(p.name),
    '',
    'Someone (hopefully you) asked to reset the password of your account.',
    `Open this link within ${p.ttlMinutes} minutes to choose a new password:`,
    '',
    p.link,
    '',
    'Or paste this reset code into the reset form:',
    '',
    p.token,
    '',
    'The link works once. If you did not ask for it, ignore this mail: your password stays as it is.',
  ].join('\n');
  return {
    to: p.to,
    subject: 'Reset your password',
    text,
    html: html([
      escapeHtml(greeting(p.name)),
      'Someone (hopefully you) asked to reset the password of your account.',
      `<a href="${escapeHtml(p.link)}">Choose a new password</a> (within ${escapeHtml(String(p.ttlMinutes))} minutes).`,
      `Or paste this reset code into the reset form: <code>${escapeHtml(p.token)}</code>`,
      'The link works once. If you did not ask for it, ignore this mail: your password stays as it is.',
    ]),
  };
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

export function passwordChangedMail(p: { to: string; name: string; username: string; how: 'changed' | 'reset' }): MailMessage {
  return noticeMail(
    p.to,
    p.name,
    'Your password was changed',
    `The password of your account "${p.username}" was ${p.how}. Every other session was signed out.`,
    'If you did not do this, use "forgot password" at once and contact the administrator.',
  );
}
