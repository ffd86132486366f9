# syntax=docker/dockerfile:1
# Tessera runs its TypeScript sources directly (Node >= 22.18 strips types): no build stage.

# --- deps: production dependencies only, from the lockfile -----------------------------------
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime ---------------------------------------------------------------------------------
FROM node:24-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    TESSERA_KEYS_DIR=/app/keys \
    TESSERA_DATA_DIR=/app/data
WORKDIR /app

# Code and dependencies stay owned by root, so the server cannot rewrite them.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY bin ./bin
COPY src ./src
COPY migrations ./migrations

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
