# syntax=docker/dockerfile:1
# Tessera's image runs the server compiled to JavaScript (`npm run build` → dist/server), like the
# npm package: no TypeScript sources and no compiler at runtime.

# --- build: every dependency from the lockfile, then the compiled server ----------------------
FROM node:24-slim AS build
WORKDIR /app
# --ignore-scripts: no dependency needs an install script, and the workspaces' `prepare` builds
# run below, once their sources are here. The server uses the @tessera/verify workspace at runtime.
COPY package.json package-lock.json ./
COPY packages/verify/package.json ./packages/verify/
COPY packages/client/package.json ./packages/client/
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY packages ./packages
COPY src ./src
COPY migrations ./migrations
RUN npm run build --workspace @tessera/verify && npm run build

# --- deps: production dependencies only, from the lockfile -----------------------------------
FROM node:24-slim AS deps
WORKDIR /app
# The root's production dependencies and the one workspace it runs with (a link to ./packages/verify).
COPY package.json package-lock.json ./
COPY packages/verify/package.json ./packages/verify/
COPY packages/client/package.json ./packages/client/
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts --workspace @tessera/verify --include-workspace-root && npm cache clean --force

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
COPY --from=build /app/packages/verify/package.json ./packages/verify/
COPY --from=build /app/packages/verify/dist ./packages/verify/dist

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
