import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { decodeInput } from '../inspect/decode.ts';
import { render } from '../inspect/render.ts';
import { ProtocolError } from '../protocol/errors.ts';

const USAGE = `usage: windc inspect [FILE|-] [--json]

Decodes a SyncML message, a DeclaredConfiguration document, result or 1224 summary, a SOAP enrollment message
(Discover, GetPolicies, RequestSecurityToken and its response, with the provisioning document inside), a
wap-provisioningdoc, a WinDC discovery JSON body, an HTTP message holding any of these, or a PKCS#10 CSR (PEM or
base64 DER). Reads standard input when FILE is - or absent.`;

export async function run(argv: string[]): Promise<number> {
  let values: { json?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    }));
  } catch (e) {
    console.error(`windc inspect: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length > 1) {
    console.error(`windc inspect: one input at a time\n\n${USAGE}`);
    return 2;
  }
  const file = positionals[0] ?? '-';
  let text: string;
  try {
    text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch (e) {
    console.error(`windc inspect: cannot read ${file}: ${(e as Error).message}`);
    return 2;
  }
  try {
    const decoded = await decodeInput(text);
    process.stdout.write(values.json ? `${JSON.stringify(decoded, jsonReplacer, 2)}\n` : render(decoded));
    return 0;
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    const where = e.position ? `${file}:${e.position.line}:${e.position.column}` : file;
    if (values.json) console.log(JSON.stringify({ error: { code: e.code, message: e.message, position: e.position } }));
    else console.error(`windc inspect: ${where}: ${e.code}: ${e.message}`);
    return 1;
  }
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Map) return Object.fromEntries(value);
  return value;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
