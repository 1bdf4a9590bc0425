/**
 * The `windc` command: wiring only. Each subcommand lives in its own module and is loaded on demand so that
 * `windc inspect` does not pay for the server's dependencies.
 */
type Command = { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> };

const COMMANDS: Record<string, Command> = {
  serve: {
    summary: 'run the windc server (WinDC discovery, enrollment, OMA-DM, admin API)',
    load: () => import('./serve.ts'),
  },
  migrate: {
    summary: 'apply pending database migrations and report them',
    load: () => import('./migrate.ts'),
  },
  secrets: {
    summary: 'create, list and revoke OnPremise enrollment secrets',
    load: () => import('./secrets.ts'),
  },
  device: {
    summary: 'one emulated Windows device: enroll, link (WinDC), sync, status, tamper, unenroll',
    load: () => import('./device.ts'),
  },
  fleet: {
    summary: 'run N emulated devices against a server: enrollment, sessions, latency and CPU figures',
    load: () => import('./fleet.ts'),
  },
  inspect: {
    summary: 'decode a SyncML message, WinDC document, result, 1224 alert, SOAP enrollment message or CSR',
    load: () => import('./inspect.ts'),
  },
  documents: { summary: 'declared documents: create, update, abandon, status', load: () => import('./documents.ts') },
  sets: { summary: 'document sets and their assignments to groups and devices', load: () => import('./sets.ts') },
  groups: { summary: 'device groups: members, rules, MSC and DMClient settings', load: () => import('./groups.ts') },
  devices: { summary: 'devices: document status, results, resync, link, watch', load: () => import('./devices.ts') },
  'link-syncml': {
    summary: 'what another MDM sends to link a device to windc',
    load: () => import('./link-syncml.ts'),
  },
};

function usage(): string {
  const lines = ['usage: windc <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(11)} ${c.summary}`);
  lines.push('', 'Run `windc <command> --help` for the options of one command.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    console.error(`windc: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const mod = await cmd.load();
  return mod.run(rest);
}
