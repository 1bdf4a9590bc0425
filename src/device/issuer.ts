/**
 * A stand-in for Entra ID: the emulator's source of the device token an Entra-joined Windows presents to a WinDC
 * enrollment (AuthPolicy Federated, seed 003). It is an RS256 key whose public half is published as a JWKS file,
 * so a windc server can be told to trust it exactly as it trusts Entra:
 *
 *   windc serve --tenants <tenantId> --jwks <dir>/jwks.json
 *
 * Tokens carry Entra's shape: `iss` https://sts.windows.net/<tid>/ (one of the issuers windc accepts by default),
 * `tid`, `aud` the ManagementResource the discovery answer named, `deviceid`/`oid` the Entra device object, and
 * the UPN when the device has a signed-in user. The directory holds `issuer-key.pem`, `jwks.json` and
 * `issuer.json`; it is shared by every device that belongs to the same emulated tenant.
 */
import { createPrivateKey, createPublicKey, generateKeyPair, randomUUID, sign } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { checkFormat, readJsonIfExists, writeFileAtomic, writeJsonAtomic } from './persist/files.ts';

const generate = promisify(generateKeyPair);

interface IssuerJson {
  format: 1;
  tenantId: string;
  kid: string;
}

export interface DeviceTokenInput {
  audience: string;
  /** The Entra device object id. */
  deviceId: string;
  upn?: string;
  lifetimeSeconds?: number;
  now?: number;
}

const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url');

export class TokenIssuer {
  private constructor(
    readonly dir: string,
    readonly tenantId: string,
    readonly kid: string,
    private readonly key: ReturnType<typeof createPrivateKey>,
  ) {}

  /** The issuer in `dir`, created (with a new tenant id unless one is given) when the directory has none. */
  static async open(where: string, opts: { tenantId?: string } = {}): Promise<TokenIssuer> {
    // Absolute, so the serve flags it prints work from any directory.
    const dir = path.resolve(where);
    const file = path.join(dir, 'issuer.json');
    const keyFile = path.join(dir, 'issuer-key.pem');
    const json = await readJsonIfExists<IssuerJson>(file);
    if (json) {
      checkFormat(file, json.format, 1);
      return new TokenIssuer(dir, json.tenantId, json.kid, createPrivateKey(await readFile(keyFile, 'utf8')));
    }
    await mkdir(dir, { recursive: true });
    const { privateKey } = await generate('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const issuer = new TokenIssuer(
      dir,
      (opts.tenantId ?? randomUUID()).toLowerCase(),
      randomUUID().replace(/-/g, ''),
      createPrivateKey(privateKey),
    );
    await writeFileAtomic(keyFile, privateKey);
    await writeJsonAtomic(path.join(dir, 'jwks.json'), issuer.jwks());
    await writeJsonAtomic(file, { format: 1, tenantId: issuer.tenantId, kid: issuer.kid } satisfies IssuerJson);
    return issuer;
  }

  /** Entra's v1 issuer for this tenant. */
  get issuer(): string {
    return `https://sts.windows.net/${this.tenantId}/`;
  }

  get jwksPath(): string {
    return path.join(this.dir, 'jwks.json');
  }

  /** The `windc serve` flags that make a server accept this issuer's tokens. */
  serveFlags(): string[] {
    return ['--tenants', this.tenantId, '--jwks', this.jwksPath];
  }

  jwks(): { keys: Record<string, string>[] } {
    const jwk = createPublicKey(this.key).export({ format: 'jwk' }) as Record<string, string>;
    return { keys: [{ kty: 'RSA', use: 'sig', alg: 'RS256', kid: this.kid, n: jwk.n ?? '', e: jwk.e ?? '' }] };
  }

  deviceToken(input: DeviceTokenInput): string {
    const now = Math.floor((input.now ?? Date.now()) / 1000);
    const claims: Record<string, unknown> = {
      aud: input.audience,
      iss: this.issuer,
      iat: now,
      nbf: now,
      exp: now + (input.lifetimeSeconds ?? 3600),
      tid: this.tenantId,
      oid: input.deviceId,
      sub: input.deviceId,
      deviceid: input.deviceId,
      idtyp: 'device',
    };
    if (input.upn) claims.upn = input.upn;
    const head = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: this.kid }));
    const body = b64url(JSON.stringify(claims));
    const signature = sign('sha256', Buffer.from(`${head}.${body}`), this.key);
    return `${head}.${body}.${b64url(signature)}`;
  }
}
