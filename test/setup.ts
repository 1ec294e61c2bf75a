// Preloaded by bun test (bunfig.toml). Keeps test output readable: the app logs nothing unless asked.
process.env.INFERPORT_LOG ??= 'silent';
