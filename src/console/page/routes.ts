// The console page at GET /console: plain HTML, CSS and browser modules embedded in the binary
// (`with { type: 'file' }`), no build step and nothing from another host. The page itself needs
// no key; it signs in with an API key and calls the /console JSON routes with it.
import { Elysia } from 'elysia';
import { notFound } from '../../errors';
import alertsViewPath from './assets/alerts-view.mjs' with { type: 'file' };
import apiPath from './assets/api.mjs' with { type: 'file' };
import chartPath from './assets/chart.mjs' with { type: 'file' };
import cssPath from './assets/console.css' with { type: 'file' };
import domPath from './assets/dom.mjs' with { type: 'file' };
import formatPath from './assets/format.mjs' with { type: 'file' };
import indexFile from './assets/index.html' with { type: 'file' };
import mainPath from './assets/main.mjs' with { type: 'file' };
import settingsViewPath from './assets/settings-view.mjs' with { type: 'file' };
import usageViewPath from './assets/usage-view.mjs' with { type: 'file' };
import walletViewPath from './assets/wallet-view.mjs' with { type: 'file' };

// bun-types types every .html import as an HTML bundle (for Bun.serve routes); with the file
// loader it is the file's path, as for the other assets.
const indexPath = indexFile as unknown as string;
const SCRIPT = 'text/javascript; charset=utf-8';

/** Every file the page loads, by the name it has under /console/assets/. */
export const CONSOLE_PAGE_ASSETS: Readonly<Record<string, { path: string; type: string }>> = Object.freeze({
  'console.css': { path: cssPath, type: 'text/css; charset=utf-8' },
  'alerts-view.mjs': { path: alertsViewPath, type: SCRIPT },
  'api.mjs': { path: apiPath, type: SCRIPT },
  'chart.mjs': { path: chartPath, type: SCRIPT },
  'dom.mjs': { path: domPath, type: SCRIPT },
  'format.mjs': { path: formatPath, type: SCRIPT },
  'main.mjs': { path: mainPath, type: SCRIPT },
  'settings-view.mjs': { path: settingsViewPath, type: SCRIPT },
  'usage-view.mjs': { path: usageViewPath, type: SCRIPT },
  'wallet-view.mjs': { path: walletViewPath, type: SCRIPT },
});

// Only this origin, for everything; icons may be data: URLs (the page's empty favicon). No
// inline script or style, no frames, no plugins, and forms post here only.
export const CONSOLE_PAGE_CSP = [
  "default-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function consolePageRoutes() {
  const serve = (set: { headers: Record<string, string | number> }, path: string, type: string) => {
    set.headers['content-type'] = type;
    set.headers['content-security-policy'] = CONSOLE_PAGE_CSP;
    set.headers['x-content-type-options'] = 'nosniff';
    set.headers['referrer-policy'] = 'no-referrer';
    // Small files that change with the binary: the browser asks again rather than keep a stale copy.
    set.headers['cache-control'] = 'no-cache';
    return Bun.file(path);
  };
  return new Elysia()
    .get('/console', ({ set }) => serve(set, indexPath, 'text/html; charset=utf-8'), { detail: { hide: true } })
    .get(
      '/console/assets/:file',
      ({ params, set }) => {
        const asset = Object.hasOwn(CONSOLE_PAGE_ASSETS, params.file) ? CONSOLE_PAGE_ASSETS[params.file]! : null;
        if (!asset) throw notFound(`console asset ${params.file}`, 'file');
        return serve(set, asset.path, asset.type);
      },
      { detail: { hide: true } },
    );
}
