/**
 * The console's files, read once when the server starts. Only the files found in `static/` at that moment are
 * ever served: a request names an entry of this table, never a path on disk, so no URL (encoded dots, slashes,
 * backslashes) can reach anything else.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ConsoleAsset {
  body: Buffer;
  contentType: string;
}

export const STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The content type a console file is served with; undefined for kinds the console does not serve. */
export function contentTypeFor(name: string): string | undefined {
  return TYPES[extname(name).toLowerCase()];
}

/** A file name the table may hold: one plain segment, so a name can never point outside the folder. */
export function isAssetName(name: string): boolean {
  return /^[a-z0-9][a-z0-9-]*\.[a-z]+$/.test(name) && contentTypeFor(name) !== undefined;
}

export function loadAssets(dir: string = STATIC_DIR): Map<string, ConsoleAsset> {
  const out = new Map<string, ConsoleAsset>();
  for (const name of readdirSync(dir).sort()) {
    if (!isAssetName(name)) continue;
    out.set(name, { body: readFileSync(join(dir, name)), contentType: contentTypeFor(name)! });
  }
  if (!out.has('index.html')) throw new Error(`the web console has no index.html in ${dir}`);
  return out;
}
