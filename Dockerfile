# inferport: build the single binary with Bun (the same `bun run build` as install.sh), run it
# on a slim Debian as a non-root user.
#   docker build -t inferport .
#   docker run -p 8080:8080 -v inferport-data:/var/lib/inferport \
#     -e INFERPORT_ADMIN_TOKEN=... inferport
# Mount a config of your own at /etc/inferport/inferport.toml to change the defaults.
ARG BUN_VERSION=1.4.5

FROM oven/bun:${BUN_VERSION} AS build
WORKDIR /app
# Dependencies first, so a code change does not reinstall them.
COPY package.json bun.lock bunfig.toml ./
RUN bun install --frozen-lockfile
COPY . .
RUN bun run build && ./dist/inferport version

FROM debian:bookworm-slim AS runtime
# CA certificates for HTTPS to upstreams and Stripe; nothing else is needed at run time (the
# health check is the binary itself, so the image has no curl).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# The default config: `docker stop` waits 10 s before it kills, so requests in flight get 8 s to
# finish and 2 s are left to settle them. Give both more time together: a config of your own
# with a longer shutdown_grace_seconds, and `docker stop -t` / `--stop-timeout` above it.
RUN useradd --system --user-group --uid 10001 --home-dir /var/lib/inferport \
      --no-create-home --shell /usr/sbin/nologin inferport \
 && mkdir -p /etc/inferport /var/lib/inferport \
 && chown inferport:inferport /var/lib/inferport \
 && chmod 0700 /var/lib/inferport \
 && printf '%s\n' \
      '# Default container config; mount your own over it.' \
      '[server]' \
      'port = 8080' \
      'host = "0.0.0.0"' \
      'data_dir = "/var/lib/inferport"' \
      'shutdown_grace_seconds = 8' \
      > /etc/inferport/inferport.toml
COPY --from=build /app/dist/inferport /usr/local/bin/inferport
ENV INFERPORT_CONFIG=/etc/inferport/inferport.toml
# Bun's fetch allows 256 requests in flight per process unless told otherwise at start; each
# open stream to an inference server is one.
ENV BUN_CONFIG_MAX_HTTP_REQUESTS=4096
USER inferport
WORKDIR /var/lib/inferport
EXPOSE 8080
# Declared after the chown so a new named volume starts out owned by inferport.
VOLUME /var/lib/inferport
# GET /healthz on the port the config names, by the binary (exit 0 healthy, 1 not).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["inferport", "healthcheck"]
# SIGTERM (docker stop) drains: no new connections, requests in flight finish, then it exits 0.
STOPSIGNAL SIGTERM
CMD ["inferport", "serve"]
