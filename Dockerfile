# syntax=docker/dockerfile:1
# Tessera's image runs the server compiled to JavaScript (`npm run build` → dist/server), like the
# npm package: no TypeScript sources and no compiler at runtime.

# --- build: every dependency from the lockfile, then the compiled server ----------------------
FROM node:24-slim AS build
WORKDIR /app
# --ignore-scripts: no dependency needs an install script, and the root's `prepare` builds the
# verify library, which the server image does not ship.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY migrations ./migrations
RUN npm run build

# --- deps: production dependencies only, from the lockfile -----------------------------------
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force

# --- runtime ---------------------------------------------------------------------------------
FROM node:24-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    TESSERA_KEYS_DIR=/app/keys \
    TESSERA_DATA_DIR=/app/data
WORKDIR /app

# Code and dependencies stay owned by root, so the server cannot rewrite them. package.json says
# "type": "module", which the compiled .js files need; bin/tessera.js runs dist/server when there
# are no sources beside it.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY --from=build /app/dist/server ./dist/server

# Private signing keys (shared by every instance) and the embedded profile's data are the only
# writable paths. Created and chowned before VOLUME, so a fresh named volume starts owned by node.
RUN mkdir -p /app/keys /app/data \
 && chown node:node /app/keys /app/data \
 && chmod 0700 /app/keys
VOLUME ["/app/keys", "/app/data"]

USER node
EXPOSE 3000

# The slim image has no curl: ask Node's own fetch.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

CMD ["node", "bin/tessera.js", "serve"]
