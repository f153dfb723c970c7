/**
 * A campaign's `country` as the clients send it (`United States`, `USA`, `Great Britain`, `UK`,
 * `JAPAN`, `jp`) to the ISO 3166 code the dataset uses. English names come from ICU
 * (Intl.DisplayNames, full ICU in Node), so every country is known, not only the dataset's 22.
 */

/** Names people use that are not ICU's English name of the country. */
const ALIASES: Record<string, string> = {
  usa: 'US',
  'u.s.a.': 'US',
  'u.s.': 'US',
  america: 'US',
  'united states of america': 'US',
  uk: 'GB',
  'u.k.': 'GB',
  'great britain': 'GB',
  britain: 'GB',
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
  'northern ireland': 'GB',
  holland: 'NL',
  'the netherlands': 'NL',
  'hong kong': 'HK',
  'south korea': 'KR',
  korea: 'KR',
};

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function buildCodes(): Map<string, string> {
  const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
  const codes = new Map<string, string>(Object.entries(ALIASES));
  for (const first of LETTERS) {
    for (const second of LETTERS) {
      // Retired and alias codes (DD, UK) stand for their current one (DE, GB).
      const code = new Intl.Locale(`und-${first}${second}`).region ?? '';
      const name = names.of(code);
      if (name === undefined) continue;
      codes.set(`${first}${second}`.toLowerCase(), code);
      if (!codes.has(name.toLowerCase())) codes.set(name.toLowerCase(), code);
    }
  }
  return codes;
}

let codes: Map<string, string> | undefined;

/** The ISO code of a country name or code, ignoring case and surrounding spaces; undefined if unknown. */
export function countryCode(country: string): string | undefined {
  codes ??= buildCodes();
  return codes.get(country.trim().replace(/\s+/g, ' ').toLowerCase());
}
