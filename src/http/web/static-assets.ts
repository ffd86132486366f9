import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Middleware } from 'koa';

/**
 * The pages' stylesheet and script, shipped in the repository and served by Tessera itself (no CDN,
 * no build step). URLs carry a hash of the content, so browsers may cache them forever and still
 * see a new version at once.
 */
const DIRECTORY = join(import.meta.dirname, 'assets');
const TYPES: Record<string, string> = {
  'tessera.css': 'text/css; charset=utf-8',
  'tessera.js': 'text/javascript; charset=utf-8',
};

type Asset = { body: Buffer; type: string; version: string };

const assets = new Map<string, Asset>(
  Object.entries(TYPES).map(([name, type]) => {
    const body = readFileSync(join(DIRECTORY, name));
    const version = createHash('sha256').update(body).digest('base64url').slice(0, 12);
    return [name, { body, type, version }];
  }),
);

export type AssetName = keyof typeof TYPES & string;

export const assetUrl = (name: 'tessera.css' | 'tessera.js'): string =>
  `/assets/${name}?v=${assets.get(name)?.version ?? ''}`;

export const staticAssets: Middleware = async (ctx, next) => {
  if (!ctx.path.startsWith('/assets/')) return next();
  const asset = assets.get(ctx.path.slice('/assets/'.length));
  if (!asset || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
  ctx.type = asset.type;
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set(
    'Cache-Control',
    ctx.query.v === asset.version ? 'public, max-age=31536000, immutable' : 'no-cache',
  );
  ctx.body = asset.body;
};
