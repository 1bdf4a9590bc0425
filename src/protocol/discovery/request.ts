import { ProtocolError } from '../errors.ts';
import { parseWindowsVersion } from './platform.ts';

/**
 * The WinDC discovery request body (seed 003). `enrollmentType` keeps '' apart from absent because the seed
 * lists them as separate legacy cases, although both mean Entra joined.
 */
export interface WinDcDiscoveryRequest {
  osVersion: string;
  enrollmentType?: 'Device' | 'User' | '';
  upn?: string;
  userDomain?: string;
  tenantId?: string;
  emmDeviceId?: string;
}

/** A real body is a few hundred bytes; the cap only bounds what a hostile client can make the server parse. */
export const DISCOVERY_MAX_BYTES = 64 * 1024;

const OPTIONAL_FIELDS = ['upn', 'userDomain', 'tenantId', 'emmDeviceId'] as const;

/** Parses and validates the body; the server has already checked `Content-Type: application/json`. */
export function parseWinDcDiscoveryRequest(
  body: string | Uint8Array,
  maxBytes = DISCOVERY_MAX_BYTES,
): WinDcDiscoveryRequest {
  const size = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.byteLength;
  if (size > maxBytes) throw new ProtocolError('DISCOVERY_TOO_LARGE', `discovery body exceeds ${maxBytes} bytes`);
  let text: string;
  try {
    text = typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new ProtocolError('DISCOVERY_BAD_JSON', 'discovery body is not UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    throw new ProtocolError('DISCOVERY_BAD_JSON', `discovery body is not JSON: ${(e as Error).message}`);
  }
  return validateWinDcDiscoveryRequest(value);
}

/**
 * Validates an already-parsed body. Unknown fields are ignored (newer clients may add some). No capture of the
 * real client's body exists, so names are matched case-insensitively, the exact spelling winning when both occur.
 */
export function validateWinDcDiscoveryRequest(value: unknown): WinDcDiscoveryRequest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProtocolError('DISCOVERY_BAD_JSON', 'discovery body is not a JSON object');
  }
  const obj = value as Record<string, unknown>;
  const field = (name: string): string | undefined => {
    const key = Object.hasOwn(obj, name) ? name : Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase());
    const v = key === undefined ? undefined : obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw new ProtocolError('DISCOVERY_BAD_FIELD', `${name} is a ${typeof v}, not a string`);
    return v.trim();
  };

  const osVersion = field('osVersion');
  if (!osVersion) throw new ProtocolError('DISCOVERY_MISSING_OS_VERSION', 'osVersion is required');
  if (!parseWindowsVersion(osVersion)) {
    throw new ProtocolError('DISCOVERY_BAD_OS_VERSION', `osVersion "${osVersion}" is not a Windows version`);
  }
  const out: WinDcDiscoveryRequest = { osVersion };
  const type = field('enrollmentType');
  if (type !== undefined) {
    const canonical = (['Device', 'User', ''] as const).find((t) => t.toLowerCase() === type.toLowerCase());
    if (canonical === undefined) {
      throw new ProtocolError('DISCOVERY_BAD_ENROLLMENT_TYPE', `enrollmentType "${type}" is not Device or User`);
    }
    out.enrollmentType = canonical;
  }
  for (const name of OPTIONAL_FIELDS) {
    const v = field(name);
    // An empty UPN is no UPN: the server answers UPNRequired either way.
    if (v) out[name] = v;
  }
  return out;
}

/** The body as the device emulator sends it, field order as in the seed's examples. */
export function buildWinDcDiscoveryRequest(req: WinDcDiscoveryRequest): string {
  const body: Record<string, string> = {};
  if (req.userDomain !== undefined) body.userDomain = req.userDomain;
  if (req.upn !== undefined) body.upn = req.upn;
  if (req.tenantId !== undefined) body.tenantId = req.tenantId;
  if (req.emmDeviceId !== undefined) body.emmDeviceId = req.emmDeviceId;
  if (req.enrollmentType !== undefined) body.enrollmentType = req.enrollmentType;
  body.osVersion = req.osVersion;
  return JSON.stringify(body);
}
