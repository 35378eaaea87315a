/**
 * The common passwords the server refuses (server/password-policy.ts), for the strength meter: its
 * very list, lower-cased, kept from 8 code points on (the minimum is never below 8), in two chunks
 * made by scripts/common-passwords.mjs and loaded on demand: 15 or more (41 entries, well under
 * 1 KB), and 8 to 14 (17,909 entries, about 48 KB gzip), fetched only when the policy's minimum is
 * below 15. Each is front-coded: entries sorted, each one character for the length of the prefix
 * it shares with the previous entry ('0' + n) then the rest, separated by spaces.
 */
const bands = new Map<number, Promise<readonly string[]>>();

/** The entries of a front-coded list. */
function decode(text: string): string[] {
  let previous = '';
  return text.split(' ').map((item) => (previous = previous.slice(0, item.charCodeAt(0) - 48) + item.slice(1)));
}

function band(min: 8 | 15): Promise<readonly string[]> {
  let load = bands.get(min);
  if (!load) {
    load = (min === 8 ? import('./common-passwords-8.js') : import('./common-passwords-15.js')).then((m) => decode(m.default));
    load.catch(() => bands.delete(min)); // a later call tries again
    bands.set(min, load);
  }
  return load;
}

/** The common passwords that a policy with this minimum length can meet (loaded once per band). */
export async function commonPasswords(min: number): Promise<ReadonlySet<string>> {
  return new Set((await Promise.all(min < 15 ? [band(15), band(8)] : [band(15)])).flat());
}
