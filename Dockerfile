# Both stages use the same slim Debian image: glibc keeps prebuilt native binaries (Tailwind's
# oxide, Biome) working without a toolchain, and the slim variant drops compilers and docs.
# Node 24 runs src/*.ts directly (type stripping), so only the CSS/JS assets need a build.

# --- build: full dependencies, compiles assets into public/build ----------------------------
FROM node:24-slim AS build
WORKDIR /app
# Runs as `node` so that compose.yml can reuse this stage for development without leaving
# root-owned files in the bind-mounted checkout.
RUN chown node:node /app
USER node
COPY --chown=node:node package.json package-lock.json ./
# The marker copy of the lockfile tells compose.yml that its node_modules volume is current.
RUN --mount=type=cache,target=/home/node/.npm,uid=1000,gid=1000 \
  npm ci --no-audit --no-fund \
  && cp package-lock.json node_modules/.installed-package-lock.json
COPY --chown=node:node . .
RUN npm run build:assets

# --- runtime: production dependencies and the files the server reads ------------------------
FROM node:24-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# The npm cache lives in a BuildKit cache mount, so it speeds up rebuilds without ending up in
# a layer.
RUN --mount=type=cache,target=/root/.npm \
  npm ci --omit=dev --no-audit --no-fund
# config.ym[l] matches nothing when a project has no config.yml; the other sources keep the
# instruction valid, so the file stays optional.
COPY package.json config.ym[l] ./
COPY src ./src
COPY views ./views
COPY locales ./locales
COPY --from=build /app/public ./public
# The folders the app writes: uploaded files with STORAGE_DRIVER=local (compose.prod.yml mounts a
# volume there, which takes this ownership) and Node's compile cache.
RUN mkdir -p .data/storage .cache/node && chown node:node .data/storage .cache/node

# Files stay owned by root: the app can read its code but never rewrite it.
USER node
# Node's compile cache (docs/decisions/0090), filled in the image as the user the app runs as (the
# cache is per user) and outside /tmp (Kubernetes mounts an empty /tmp): a new container, be it a
# deploy, a rollback or a replica, starts without loading the type stripper or compiling what every
# container compiles alike. Read-only at run time (Kubernetes), it is still read. The start command
# with a PORT that is no number loads every module the server imports and stops at the
# configuration check (exit 78, and only that: whatever config.yml says, nothing is connected to).
ENV NODE_COMPILE_CACHE=/app/.cache/node
RUN PORT=none node --max-semi-space-size=16 --import ./src/compile-cache.js src/server.ts \
  >/dev/null 2>&1; test $? -eq 78 && test -n "$(ls -A .cache/node)"
EXPOSE 3000
# fetch is built into Node, so the check needs no curl or wget in the image. No --start-interval:
# the Dockerfile frontend built into Docker Engine before 25 rejects it, and this file builds with
# the built-in frontend (no `# syntax=` line, so no frontend image to fetch; docs/decisions/0050).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node is PID 1 and handles SIGTERM/SIGINT itself (mark not-ready, drain, close, exit 0), so the
# exec-form CMD must not wrap it in a shell that would swallow the signal. PID 1 does not reap
# orphaned children: compose.yml sets `init: true` (and `docker run --init` does the same).
STOPSIGNAL SIGTERM
# The same command as `npm start` (a test keeps them equal). A 16 MB young generation keeps the
# objects of requests in flight out of the old generation under load, and the compile cache spares
# restarts the type stripper (docs/decisions/0090); NODE_OPTIONS cannot override a command-line
# flag, so change it here if a workload needs other sizes.
CMD ["node", "--max-semi-space-size=16", "--import", "./src/compile-cache.js", "src/server.ts"]
