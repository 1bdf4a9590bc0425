/**
 * Document ids. The DDF gives `{DocID}` the allowed-values regex below (unanchored there; anchored here, since a
 * DocID is a whole segment) and the document's `id` must be the same GUID. Braces are not part of it.
 */
export const GUID_PATTERN = '[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}';

const GUID_RE = new RegExp(`^${GUID_PATTERN}$`);

export function isGuid(text: string): boolean {
  return GUID_RE.test(text);
}

/**
 * A GUID is a number, so its hex case carries no meaning; Microsoft's samples mix `DCA000B5-…` with `47e88660-…`.
 * Whether Windows compares ids this way is undocumented; matching by value is the reading that cannot reject a
 * document Windows would take.
 */
export function sameGuid(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
