import { ConfigError, resolveServerConfig, serveUsage } from '../server/config.ts';
import { ensureInitialSecret } from '../server/enroll/secrets.ts';
import { PATHS } from '../server/enroll/urls.ts';
import { startServer } from '../server/server.ts';

/** `windc serve`: runs until SIGINT/SIGTERM, then drains connections and closes the database. */
export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(serveUsage());
    return 0;
  }
  let config: ReturnType<typeof resolveServerConfig>;
  try {
    config = resolveServerConfig(argv);
  } catch (e) {
    if (!(e instanceof ConfigError) && !(e instanceof TypeError)) throw e;
    console.error(`windc serve: ${(e as Error).message}\n\n${serveUsage()}`);
    return 2;
  }
  const started = Date.now();
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(config);
  } catch (e) {
    console.error(`windc serve: cannot start: ${(e as Error).message}`);
    return 1;
  }
  const secret = await ensureInitialSecret(server.context.store, config.dataDir);
  const lines = [
    `windc ready in ${Date.now() - started} ms`,
    `  listening        ${server.listenUrl}`,
    `  public URL       ${config.publicUrl}`,
    `  database         ${server.context.store.location}`,
    `  device CA        ${config.caCert ?? `${config.dataDir}/ca.pem`}${server.caCreated ? ' (created now)' : ''}`,
    `  WinDC discovery  ${config.publicUrl}${PATHS.windcDiscovery}?api-version=1.0`,
    `  MDM discovery    ${config.publicUrl}${PATHS.discovery}`,
  ];
  if (secret.created) {
    lines.push(`  enroll secret    ${secret.created}  (saved in ${secret.path}; any e-mail address as user name)`);
  }
  // Listening for signals before saying "ready": a supervisor may stop the server the moment it reads that.
  const stopped = new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  console.log(lines.join('\n'));
  await stopped;
  console.log('windc: shutting down');
  await server.close();
  return 0;
}
