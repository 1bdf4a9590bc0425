/**
 * What the networking half keeps per enrolled account, beside the account itself in device.json: where its
 * OMA-DM server is, the w7 APPLICATION credentials both ways (APPAUTH), the nonce the next digest must use, the
 * session counter, and where its TLS identity lives. Windows keeps the same facts under
 * HKLM\SOFTWARE\Microsoft\Enrollments and the OMA-DM account registry; the emulator keeps them in
 * `enrollments.json` so a person can read them and a restarted device carries on with the next SessionID.
 *
 * TLS files: the primary enrollment's identity is the device directory's key.pem, cert.pem and ca.pem (as
 * src/device/README.md reserves them); every other enrollment, such as the linked WinDC one, has the same three
 * files under `accounts/<accountId>/`.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { checkFormat, readJsonIfExists, writeFileAtomic, writeJsonAtomic } from '../persist/files.ts';

export const ENROLLMENTS_FILE = 'enrollments.json';

export interface AppAuth {
  /** AAUTHTYPE: DIGEST (what Windows uses) or BASIC. */
  type: 'DIGEST' | 'BASIC';
  /** AAUTHNAME; for APPSRV the user name the device writes in Source/LocName. */
  name: string;
  secret: string;
  /** The nonce the next digest uses: AAUTHDATA at first, then the server's latest NextNonce. */
  nonce: string;
}

export interface EnrollmentRecord {
  accountId: string;
  /** APPLICATION ADDR: the OMA-DM endpoint. ManagementServiceAddress overrides it once a server sets it. */
  serverUrl: string;
  /** How the enrollment authenticated: the MS-MDE2 AuthPolicy, or `external` for a primary MDM elsewhere. */
  authPolicy: string;
  /** Relative to the device directory. */
  tlsDir: string;
  /** APPAUTH APPSRV: the device's credentials toward the server. */
  appsrv?: AppAuth;
  /** APPAUTH CLIENT: the server's credentials toward the device (kept for completeness; nothing checks them). */
  client?: AppAuth;
  /** CONNRETRYFREQ, INITIALBACKOFFTIME, MAXBACKOFFTIME of the w7 APPLICATION. */
  connRetryFreq?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** The last SessionID used. */
  sessionCount: number;
  /** Start of the poll schedule. */
  enrolledAt: number;
  lastSession?: { at: number; ok: boolean; error?: string };
}

/**
 * The device's Entra ID state, which decides how a WinDC enrollment authenticates (seed 003): joined devices use
 * their device token (Federated), registered ones the parent MDM certificate (Certificate).
 */
export interface EntraState {
  joinType: 'joined' | 'registered';
  /** The Entra device object id, `deviceid` in its tokens. */
  deviceId: string;
  upn?: string;
}

interface EnrollmentsJson {
  format: 1;
  entra?: EntraState;
  enrollments: EnrollmentRecord[];
}

export interface TlsFiles {
  key: string;
  cert: string;
  ca: string;
}

/** The enrollment records of one device directory; in memory only when the device does not persist. */
export class EnrollmentStore {
  private readonly records = new Map<string, EnrollmentRecord>();
  /** PEMs of devices that do not persist (fleet runs), by tlsDir. */
  private readonly memoryPems = new Map<string, TlsFiles>();
  private writing: Promise<void> = Promise.resolve();
  private entraState: EntraState | undefined;

  private constructor(
    readonly dir: string,
    private readonly persist: boolean,
  ) {}

  static async open(dir: string, persist = true): Promise<EnrollmentStore> {
    const store = new EnrollmentStore(dir, persist);
    if (!persist) return store;
    const file = path.join(dir, ENROLLMENTS_FILE);
    const json = await readJsonIfExists<EnrollmentsJson>(file);
    if (json) {
      checkFormat(file, json.format, 1);
      for (const r of json.enrollments) store.records.set(r.accountId, r);
      store.entraState = json.entra;
    }
    return store;
  }

  get entra(): EntraState | undefined {
    return this.entraState;
  }

  setEntra(state: EntraState): Promise<void> {
    this.entraState = state;
    return this.save();
  }

  get(accountId: string): EnrollmentRecord | undefined {
    return this.records.get(accountId);
  }

  list(): EnrollmentRecord[] {
    return [...this.records.values()];
  }

  put(record: EnrollmentRecord): Promise<void> {
    this.records.set(record.accountId, record);
    return this.save();
  }

  async remove(accountId: string): Promise<void> {
    const r = this.records.get(accountId);
    if (!r) return;
    this.records.delete(accountId);
    this.memoryPems.delete(r.tlsDir);
    if (this.persist && r.tlsDir !== '.') await rm(path.join(this.dir, r.tlsDir), { recursive: true, force: true });
    else if (this.persist) {
      await Promise.all(['key.pem', 'cert.pem', 'ca.pem'].map((f) => rm(path.join(this.dir, f), { force: true })));
    }
    await this.save();
  }

  /** Writes the records; successive calls are serialised so the file always holds the latest state. */
  save(): Promise<void> {
    if (!this.persist) return Promise.resolve();
    const json: EnrollmentsJson = { format: 1, enrollments: this.list() };
    if (this.entraState) json.entra = this.entraState;
    this.writing = this.writing.then(() => writeJsonAtomic(path.join(this.dir, ENROLLMENTS_FILE), json));
    return this.writing;
  }

  /** Where an account's TLS files go: the directory itself for the primary, accounts/<id> for the others. */
  static tlsDirFor(accountId: string, primary: boolean): string {
    return primary ? '.' : path.join('accounts', accountId);
  }

  async writeTls(tlsDir: string, pems: TlsFiles): Promise<void> {
    if (!this.persist) {
      this.memoryPems.set(tlsDir, pems);
      return;
    }
    const base = path.join(this.dir, tlsDir);
    await writeFileAtomic(path.join(base, 'key.pem'), pems.key);
    await writeFileAtomic(path.join(base, 'cert.pem'), pems.cert);
    await writeFileAtomic(path.join(base, 'ca.pem'), pems.ca);
  }

  async readTls(tlsDir: string): Promise<TlsFiles | undefined> {
    if (!this.persist) return this.memoryPems.get(tlsDir);
    const base = path.join(this.dir, tlsDir);
    try {
      const [key, cert, ca] = await Promise.all(
        ['key.pem', 'cert.pem', 'ca.pem'].map((f) => readFile(path.join(base, f), 'utf8')),
      );
      return { key: key as string, cert: cert as string, ca: ca as string };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }
}
