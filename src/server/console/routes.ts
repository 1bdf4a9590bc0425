/**
 * The web console: `GET /console` is its page and `/console/<file>` its scripts and style, all static and public.
 * Loading the console needs no token (there is nothing secret in it); every piece of data it shows comes from
 * `/api/v1` with the bearer token the admin pastes. Registered in src/server/routes.ts.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ServerContext } from '../context.ts';
import { type ConsoleAsset, loadAssets } from './assets.ts';

export const CONSOLE_PATH = '/console';

/**
 * Scripts, styles and API calls only from this origin, and nothing inline: data rendered by mistake as markup
 * could not run. The page may not be framed (clickjacking of the delete and abandon buttons) and leaks no
 * Referer carrying a document or device id.
 */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  // Files change only with a new server version; revalidating keeps an upgraded console consistent.
  'cache-control': 'no-cache',
};

function send(reply: FastifyReply, asset: ConsoleAsset): FastifyReply {
  return reply.headers(CONSOLE_HEADERS).type(asset.contentType).send(asset.body);
}

export function register(app: FastifyInstance, _ctx: ServerContext): void {
  const assets = loadAssets();
  const index = assets.get('index.html')!;
  // The app's routes ignore trailing slashes, so this also answers /console/.
  app.get(CONSOLE_PATH, async (_req, reply) => send(reply, index));
  app.get(`${CONSOLE_PATH}/:file`, async (req, reply) => {
    const { file } = req.params as { file: string };
    const asset = assets.get(file);
    if (!asset) {
      return reply
        .headers(CONSOLE_HEADERS)
        .status(404)
        .send({ error: { code: 'NOT_FOUND', message: `the console has no file ${JSON.stringify(file)}` } });
    }
    return send(reply, asset);
  });
}
