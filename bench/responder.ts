// The trivial OMA-DM responder the fleet benchmarks measure the emulator against, run in a child process so its
// CPU is its own: raw TLS with client certificates required, and to every SyncML POST a Status for the SyncHdr
// and for each command, and Final. It does the TLS and HTTP work any server must, and nothing else, so a
// server's figures beside it show what the server adds.
import { type ChildProcess, fork } from 'node:child_process';
import { createServer, type TLSSocket } from 'node:tls';

export type Pems = { key: string; cert: string; ca: string };

/** The child: answer every SyncML POST with Status for its SyncHdr and commands, and Final. */
function respond(pems: Pems): void {
  const server = createServer({
    key: pems.key,
    cert: pems.cert,
    ca: [pems.ca],
    requestCert: true,
    rejectUnauthorized: true,
  });
  server.on('secureConnection', (s: TLSSocket) => {
    s.setNoDelay(true);
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: (\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        const body = buf.slice(end + 4, end + 4 + length);
        buf = buf.slice(end + 4 + length);
        const tag = (t: string) => new RegExp(`<${t}>([^<]*)</${t}>`).exec(body)?.[1] ?? '';
        const msgId = tag('MsgID');
        let statuses = `<Status><CmdID>1</CmdID><MsgRef>${msgId}</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status>`;
        let id = 2;
        for (const m of body.matchAll(/<(Alert|Replace|Results)><CmdID>(\d+)<\/CmdID>/g)) {
          statuses += `<Status><CmdID>${id++}</CmdID><MsgRef>${msgId}</MsgRef><CmdRef>${m[2]}</CmdRef><Cmd>${m[1]}</Cmd><Data>200</Data></Status>`;
        }
        const reply =
          `<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>${tag('SessionID')}</SessionID>` +
          `<MsgID>${msgId}</MsgID><Target><LocURI>${/<Source><LocURI>([^<]*)/.exec(body)?.[1] ?? ''}</LocURI></Target>` +
          `<Source><LocURI>${/<Target><LocURI>([^<]*)/.exec(body)?.[1] ?? ''}</LocURI></Source></SyncHdr><SyncBody>${statuses}<Final/></SyncBody></SyncML>`;
        s.write(
          `HTTP/1.1 200 OK\r\nContent-Type: application/vnd.syncml.dm+xml\r\nContent-Length: ${Buffer.byteLength(reply)}\r\n\r\n${reply}`,
        );
      }
    });
    s.on('error', () => {});
  });
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as { port: number }).port }));
  // The parent asks for the responder's CPU around its measurement, to print it beside the emulator's.
  process.on('message', (m: unknown) => {
    if (m === 'cpu') {
      const u = process.cpuUsage();
      process.send?.({ cpuUs: u.user + u.system });
    }
  });
}

if (process.argv[2] === '--responder') process.once('message', (pems: Pems) => respond(pems));

/** Starts the responder in a child process; resolves with it and the port it listens on. */
export async function startResponder(pems: Pems): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(new URL(import.meta.url).pathname, ['--responder'], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`the responder exited with ${code}`)));
    child.send(pems);
  });
  return { child, port };
}

/** The responder's CPU time so far, µs. */
export function responderCpu(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const on = (m: { cpuUs?: number }) => {
      if (m.cpuUs === undefined) return;
      child.off('message', on);
      resolve(m.cpuUs);
    };
    child.on('message', on);
    child.send('cpu');
  });
}
