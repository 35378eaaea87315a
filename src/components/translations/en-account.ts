import type { Translation } from './en.js';

/**
 * The English strings of the account forms only (`<auth-register>`, `<auth-reset-password>`,
 * `<auth-forgot>`, `<auth-update-details>`): added to the English table by auth-form/fields.ts,
 * which every one of them imports, so they load with those elements and not with the login
 * (see `AccountKey` in en.ts). Other languages keep them in their own table.
 */
export const enAccount = {
  name: 'Name',
  email: 'Email',
  usernameOrEmail: 'Username or email',
  currentPassword: 'Current password',
  newPassword: 'New password',
  passwordRepeat: 'Repeat password',
  resetCode: 'Reset code',
  verifyCode: 'Code from the email',
  haveAccount: 'Already have an account?',
  loginLink: 'Log in',
  backToLogin: 'Back to log in',
  emailHint: 'Needed to change your email address.',
  working: 'Please wait…',
  'register.title': 'Register',
  'register.submit': 'Register',
  'register.success': 'Your account was created. You can now log in.',
  'verifyRegistration.title': 'Confirm your email',
  'verifyRegistration.submit': 'Create account',
  'verifyRegistration.success': 'Check your email: we sent a link and a code to finish creating your account.',
  'changePassword.title': 'Change password',
  'changePassword.submit': 'Change password',
  'changePassword.success': 'Your password was changed.',
  'resetPassword.title': 'Reset password',
  'resetPassword.submit': 'Reset password',
  'resetPassword.success': 'Your password was reset. You can now log in with the new password.',
  'forgotPassword.title': 'Forgot password',
  'forgotPassword.submit': 'Send',
  'forgotPassword.success': 'If an account matches, we have sent an email with the next steps.',
  'forgotUsername.title': 'Forgot username',
  'forgotUsername.submit': 'Send',
  'forgotUsername.success': 'If an account matches, we have sent an email with the next steps.',
  'updateDetails.title': 'Update details',
  'updateDetails.submit': 'Save',
  'updateDetails.success': 'Your details were saved.',
  'error.registration_not_allowed': 'Registration is not open for this email address.',
  'error.username_taken': 'This username is already taken.',
  'error.email_taken': 'This email address is already used by another account.',
  'error.reset_token_invalid': 'This reset code is wrong, already used or expired. Request a new one.',
  'error.verification_token_invalid': 'This code is wrong, already used or expired. Register again to get a new one.',
  'error.password_mismatch': 'The passwords do not match.',
  'error.password_required_for_email': 'Enter your current password to change your email address.',
  'error.wrong_password': 'The current password is wrong.',
} satisfies Partial<Translation>;

export type AccountKey = keyof typeof enAccount;
