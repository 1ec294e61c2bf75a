// Preloaded by bun test (bunfig.toml).
import { setDefaultTimeout } from 'bun:test';

// Integration tests start servers, processes and databases; bun's 5 s default is too short for
// some of them (bunfig's [test] timeout is not read by this Bun).
setDefaultTimeout(60_000);
