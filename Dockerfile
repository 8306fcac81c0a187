# syntax=docker/dockerfile:1
#
# The employees service as a container image: `docker compose up --build` (see README, "Running
# with docker compose") or `docker build -t employees .`.
#
# Two stages: the release binary is built on the official Rust image, then copied alone onto a slim
# Debian of the same release (bookworm, so the same glibc). The askama templates, the SQL
# migrations (sqlx::migrate!), static/style.css and the seed/ CSVs (include_str!) are compiled into
# the binary, so the runtime image needs nothing from the source tree but the binary itself.

# ---- build ------------------------------------------------------------------------------------
FROM rust:1-bookworm AS build
WORKDIR /src

# Dependencies first, against a dummy crate, so that this layer (the long part of the build) is
# reused as long as Cargo.toml and Cargo.lock do not change.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src \
 && echo 'fn main() {}' > src/main.rs \
 && touch src/lib.rs \
 && cargo build --release --locked \
 && rm -rf src

# Then the real sources. The dummy crate's own artifacts are removed so that cargo rebuilds the
# crate whatever the copied files' timestamps say.
COPY src src
COPY templates templates
COPY static static
COPY migrations migrations
COPY seed seed
RUN rm -rf target/release/.fingerprint/employees-* \
           target/release/deps/employees-* \
           target/release/deps/libemployees-* \
 && cargo build --release --locked \
 && install -D -m 0755 target/release/employees /out/employees

# ---- runtime ----------------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime

# ca-certificates for a TLS database connection should one ever be configured; nothing else.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# A fixed unprivileged user; its home is the working directory (writable, e.g. for an SQLite file
# when DATABASE_URL is unset, which the compose stack never does).
RUN groupadd --system --gid 10001 employees \
 && useradd --system --uid 10001 --gid employees --home-dir /home/employees --create-home \
            --shell /usr/sbin/nologin employees

COPY --from=build /out/employees /usr/local/bin/employees

USER 10001:10001
WORKDIR /home/employees

# Inside a container the service must listen on every interface to be reachable; the binary's own
# default is 127.0.0.1:8000.
ENV BIND_ADDR=0.0.0.0:8000
# Metrics on a port of their own, for the scraper on the container network; publish it to no one
# else (docker-compose.yml binds it to the host's loopback).
ENV METRICS_BIND_ADDR=0.0.0.0:9000
EXPOSE 8000 9000

# The slim image has no curl or wget, so the probe speaks HTTP through bash's /dev/tcp to the
# liveness endpoint. /healthz, not /readyz: a database outage is reported by /readyz and must not
# mark the process itself unhealthy. It assumes the port of BIND_ADDR is 8000.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8000 && printf 'GET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]

ENTRYPOINT ["/usr/local/bin/employees"]
CMD ["serve"]
