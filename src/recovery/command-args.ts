// What the recovery commands share: their parsed arguments, and where the embedded database is.
import { join } from 'node:path';
import type { Config } from '../config';

export interface CommandArgs {
  /** Arguments that are not flags, in order (PATH). */
  positional: string[];
  flags: Set<string>;
  values: Map<string, string>;
}

export const sqlitePath = (config: Config): string => join(config.server.dataDir, 'inferport.sqlite');
