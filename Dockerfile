# inferport: build the single binary with Bun, run it on a slim Debian.
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
# CA certificates for HTTPS to upstreams and Stripe; nothing else is needed at run time.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*
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
CMD ["inferport", "serve"]
