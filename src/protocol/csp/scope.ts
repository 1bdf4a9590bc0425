/**
 * The scope prefix every CSP LocURI starts with. Windows reads `./Device/Vendor/MSFT/…` and `./User/Vendor/MSFT/…`,
 * and treats the older prefix-less `./Vendor/MSFT/…` as Device (Learn, OMA DM protocol support), so all three are
 * accepted; fixed segments compare case-insensitively because Windows' configuration manager does (its own logs
 * print `./user/vendor/msft/vpnv2/…`, and the DMClient node is documented both as `Unenroll` and `UnEnroll`).
 */
export type Scope = 'Device' | 'User';

export const SCOPES: readonly Scope[] = ['Device', 'User'];

export interface SplitLocUri {
  scope: Scope;
  /** Whether the LocURI named its scope or relied on the prefix-less Device default. */
  explicitScope: boolean;
  /** The segments after `Vendor/MSFT`, as written (not URI-decoded). */
  segments: string[];
}

/** Canonical spelling of a scope name, or undefined when the text names neither scope. */
export function scopeOf(text: string): Scope | undefined {
  const lower = text.toLowerCase();
  if (lower === 'device') return 'Device';
  if (lower === 'user') return 'User';
  return undefined;
}

/**
 * Splits a LocURI into scope and CSP segments, or explains in one sentence why it cannot be a CSP path. The reason
 * is returned rather than thrown so each caller can raise its own error code.
 */
export function splitLocUri(locUri: string): SplitLocUri | string {
  if (locUri !== locUri.trim()) return 'it has leading or trailing whitespace';
  if (!locUri.startsWith('./')) return "it does not start with './'";
  const parts = locUri.slice(2).split('/');
  if (parts.some((p) => p === '')) return 'it has an empty segment';
  let scope: Scope = 'Device';
  let explicitScope = false;
  const first = parts[0] as string;
  const named = scopeOf(first);
  if (named) {
    scope = named;
    explicitScope = true;
    parts.shift();
  }
  if (parts.length < 2 || parts[0]?.toLowerCase() !== 'vendor' || parts[1]?.toLowerCase() !== 'msft') {
    return "it is not under './Device/Vendor/MSFT', './User/Vendor/MSFT' or './Vendor/MSFT'";
  }
  return { scope, explicitScope, segments: parts.slice(2) };
}

export function scopePrefix(scope: Scope): string {
  return `./${scope}/Vendor/MSFT`;
}
