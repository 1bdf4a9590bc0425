/** A Windows version as the discovery body's osVersion carries it: `major.minor.build.revision`. */
export interface WindowsVersion {
  major: number;
  minor: number;
  build: number;
  /** The UBR (update build revision); 0 when the client sent only three parts. */
  revision: number;
}

const VERSION = /^(\d{1,5})\.(\d{1,5})\.(\d{1,6})(?:\.(\d{1,7}))?$/;

export function parseWindowsVersion(text: string): WindowsVersion | undefined {
  const m = VERSION.exec(text.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), build: Number(m[3]), revision: Number(m[4] ?? 0) };
}

/**
 * First revision of each servicing branch that supports WinDC for Entra *registered* devices (seed 001,
 * "Supported platforms": the July 2024 updates KB5040525/KB5040527/KB5040529). 22621 and 22631 share one
 * servicing branch, hence the same revision.
 */
export const ENTRA_REGISTERED_MIN_REVISION: Readonly<Record<number, number>> = {
  19045: 4717,
  22621: 3958,
  22631: 3958,
  26100: 1301,
};

/**
 * Whether a device may use WinDC as Entra registered (AuthPolicy Certificate). Builds newer than 26100 (25H2
 * is 26200) were released after the feature and carry it; any other build not listed, such as 19044 or 22000,
 * is outside the published support list and answered no.
 */
export function supportsEntraRegistered(version: WindowsVersion | string): boolean {
  const v = typeof version === 'string' ? parseWindowsVersion(version) : version;
  if (v?.major !== 10) return false;
  const min = ENTRA_REGISTERED_MIN_REVISION[v.build];
  if (min !== undefined) return v.revision >= min;
  return v.build > 26100;
}

export function compareWindowsVersions(a: WindowsVersion, b: WindowsVersion): number {
  return a.major - b.major || a.minor - b.minor || a.build - b.build || a.revision - b.revision;
}
