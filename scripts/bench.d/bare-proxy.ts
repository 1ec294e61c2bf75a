// The bare pass-through proxy: what a gateway costs when it does nothing but relay. Its numbers
// are the physical limit the benchmark holds inferport against. Prints "listening PORT".
const upstream = process.env.BENCH_UPSTREAM_URL;
if (!upstream) throw new Error('BENCH_UPSTREAM_URL is not set');

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  idleTimeout: 0,
  async fetch(request) {
    const url = new URL(request.url);
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer();
    // The upstream's response goes back as it is; a streamed body streams through.
    return fetch(`${upstream}${url.pathname}${url.search}`, { method: request.method, headers: request.headers, body });
  },
});
console.log(`listening ${server.port}`);

export {}; // a module: its top-level names are its own
