/**
 * What the admin CLI commands share: where the server is and how to trust it, the token, one HTTPS request
 * function that turns the API's JSON errors into messages, and table or JSON output.
 *
 * Defaults, so that on the server's own machine `windc documents list` just works: the server is
 * WINDC_SERVER or https://localhost:8443; the token is --token, WINDC_ADMIN_TOKEN or `<data-dir>/admin-token`;
 * windc's CA (`<data-dir>/ca.pem`) is trusted when present, --ca names another PEM file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';

export const CLIENT_OPTIONS = {
  server: { type: 'string' },
  token: { type: 'string' },
  ca: { type: 'string' },
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export const CLIENT_USAGE = `connection (every command):
  --server URL     windc's public URL [WINDC_SERVER; default https://localhost:8443]
  --token TOKEN    admin token [WINDC_ADMIN_TOKEN; default <data-dir>/admin-token]
  --ca FILE        PEM certificate to trust for the server [default <data-dir>/ca.pem when present]
  --data-dir DIR   where windc serve keeps its data [WINDC_DATA_DIR; default ./windc-data]
  --json           print the API's JSON instead of a table`;

export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly code?: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface ClientValues {
  server?: string | undefined;
  token?: string | undefined;
  ca?: string | undefined;
  'data-dir'?: string | undefined;
}

export class ApiClient {
  private readonly base: URL;

  constructor(
    server: string,
    private readonly token: string,
    private readonly caPem: string | undefined,
  ) {
    this.base = new URL(server.replace(/\/+$/, ''));
    if (this.base.protocol !== 'https:') throw new CliError(`--server must be an https URL, got ${server}`);
  }

  static from(values: ClientValues, env: NodeJS.ProcessEnv = process.env): ApiClient {
    const dataDir = values['data-dir'] ?? env.WINDC_DATA_DIR ?? './windc-data';
    const server = values.server ?? env.WINDC_SERVER ?? 'https://localhost:8443';
    let token = values.token ?? env.WINDC_ADMIN_TOKEN;
    const tokenFile = join(dataDir, 'admin-token');
    if (!token && existsSync(tokenFile)) token = readFileSync(tokenFile, 'utf8').trim();
    if (!token)
      throw new CliError(`no admin token: pass --token, set WINDC_ADMIN_TOKEN, or run where ${tokenFile} exists`);
    const caFile = values.ca ?? (existsSync(join(dataDir, 'ca.pem')) ? join(dataDir, 'ca.pem') : undefined);
    let caPem: string | undefined;
    if (caFile) {
      try {
        caPem = readFileSync(caFile, 'utf8');
      } catch (e) {
        throw new CliError(`cannot read --ca ${caFile}: ${(e as Error).message}`);
      }
    }
    return new ApiClient(server, token, caPem);
  }

  /** One request; resolves with the parsed JSON, rejects with CliError carrying the API's error code. */
  call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(`${this.base.pathname.replace(/\/$/, '')}/api/v1${path}`, this.base);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          ...(this.caPem ? { ca: this.caPem } : {}),
          headers: {
            authorization: `Bearer ${this.token}`,
            accept: 'application/json',
            ...(payload === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (text += c));
          res.on('end', () => {
            let parsed: unknown;
            try {
              parsed = text === '' ? {} : JSON.parse(text);
            } catch {
              reject(
                new CliError(`${method} ${url.pathname}: HTTP ${res.statusCode}, not JSON: ${text.slice(0, 200)}`),
              );
              return;
            }
            const status = res.statusCode ?? 0;
            if (status >= 400) {
              const err = (parsed as { error?: { code?: string; message?: string } }).error;
              reject(new CliError(err?.message ?? `HTTP ${status}`, err?.code, status));
              return;
            }
            resolve(parsed as T);
          });
        },
      );
      req.on('error', (e) => reject(new CliError(`cannot reach ${this.base.origin}: ${e.message}`)));
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** Server-sent events from `path`, frame by frame, until the server ends the stream or the process exits. */
  stream(
    path: string,
    onEvent: (e: { id: number; type: string; data: unknown }) => void,
    lastId?: number,
  ): Promise<void> {
    const url = new URL(`${this.base.pathname.replace(/\/$/, '')}/api/v1${path}`, this.base);
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          ...(this.caPem ? { ca: this.caPem } : {}),
          headers: {
            authorization: `Bearer ${this.token}`,
            accept: 'text/event-stream',
            ...(lastId === undefined ? {} : { 'last-event-id': String(lastId) }),
          },
        },
        (res) => {
          if ((res.statusCode ?? 0) >= 400) {
            reject(new CliError(`stream refused: HTTP ${res.statusCode}`, undefined, res.statusCode));
            return;
          }
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            buf += c;
            for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
              const frame = buf.slice(0, end);
              buf = buf.slice(end + 2);
              const id = /^id: (\d+)$/m.exec(frame)?.[1];
              const type = /^event: (.+)$/m.exec(frame)?.[1];
              const data = /^data: (.+)$/m.exec(frame)?.[1];
              if (id && type && data) onEvent({ id: Number(id), type, data: JSON.parse(data) });
            }
          });
          res.on('end', () => resolve());
        },
      );
      req.on('error', (e) => reject(new CliError(`cannot reach ${this.base.origin}: ${e.message}`)));
      req.end();
    });
  }
}

/** A plain text table; columns as wide as their widest cell, the last one left unpadded. */
export function table(headers: string[], rows: Array<Array<string | number | boolean | null | undefined>>): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}

export function when(ms: number | null | undefined): string {
  return ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : '-';
}

export function short(checksum: string | null | undefined): string {
  return checksum ? checksum.slice(0, 12) : '-';
}

/**
 * Runs one subcommand with the shared error handling. Exit codes: 0 done, 1 the server refused or could not be
 * reached (the message says why), 2 usage.
 */
export async function runCommand(name: string, usage: string, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`windc ${name}: ${e.message}\n\n${usage}`);
      return 2;
    }
    if (e instanceof CliError) {
      console.error(`windc ${name}: ${e.code ? `${e.code}: ` : ''}${e.message}`);
      return 1;
    }
    if (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS')) {
      console.error(`windc ${name}: ${e.message}\n\n${usage}`);
      return 2;
    }
    throw e;
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;
type Values<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: true }>
>['values'];

/** What an admin subcommand gets: its options, the command word and the words after it, and a client. */
export interface Invocation<O extends Options> {
  values: Values<O>;
  command: string;
  args: string[];
  client: ApiClient;
}

/**
 * `windc <name> <command> [args] [options]` against the admin API: parses `argv`, prints `usage` for --help (exit 0)
 * or a missing command (exit 2), makes the client, and runs `fn` under runCommand's error handling.
 */
export function runApiCommand<O extends Options>(
  name: string,
  usage: string,
  options: O,
  argv: string[],
  fn: (invocation: Invocation<O>) => Promise<number>,
): Promise<number> {
  return runCommand(name, usage, async () => {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true });
    const [command, ...args] = positionals;
    const { help } = values as { help?: boolean };
    if (help || !command) {
      console.log(usage);
      return help ? 0 : 2;
    }
    return fn({ values, command, args, client: ApiClient.from(values as ClientValues) });
  });
}

/** The text of `file`, or of standard input for `-`. */
export function readFileOrStdin(file: string): string {
  return file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function need(args: string[], count: number, what: string): string[] {
  if (args.length !== count) throw new UsageError(`expected ${what}`);
  return args;
}

/** Prints JSON or the table the command renders. */
export function print(json: boolean | undefined, value: unknown, render: () => string): void {
  console.log(json ? JSON.stringify(value, null, 2) : render());
}
