import { unsafeCSS, type CSSResult } from 'lit';

/** Out of sight, still read by screen readers: the rule for `selector`. */
const hide = (selector: string): CSSResult =>
  unsafeCSS(`${selector}{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}`);

/** `.visually-hidden` (the provider's announcement, the status's "Organization:" label). */
export const visuallyHidden = hide('.visually-hidden');

/** A form element's title under `hide-heading`. */
export const hiddenHeading = hide(":host([hide-heading]) [part='header']");
