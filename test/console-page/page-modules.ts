// The page's browser modules as the route serves them, loaded into the test process: the ones
// that touch no DOM (format.mjs) can be run here directly.
import { CONSOLE_PAGE_ASSETS } from '../../src/console/page/routes';

// Untyped: the modules are plain browser JavaScript.
export async function loadPageModule(name: string): Promise<any> {
  const asset = CONSOLE_PAGE_ASSETS[name];
  if (!asset) throw new Error(`no console page asset ${name}`);
  return import(asset.path);
}
