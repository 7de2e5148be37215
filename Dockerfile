# duzhan app image: one image for the HTTP server, the Temporal worker and the migration job
# (docker-compose.yml picks the command). Debian (glibc), not Alpine: the Temporal SDK's native
# core bridge ships as a glibc build inside its npm package.
FROM node:20.20.2-bookworm-slim

ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false \
    CHECKPOINT_DISABLE=1

WORKDIR /app

# Dependencies first, so source edits do not reinstall them.
# The image's npm 10 ignores package.json's `allowScripts` (an npm 11 setting) and runs
# install scripts as usual.
COPY package.json package-lock.json ./
RUN npm ci && npm cache clean --force

COPY . .

# The generated client (prisma/generated) uses the pg driver adapter and no native engine.
# `prisma generate` only needs PRISMA_SCHEMA_ENGINE_BINARY to be set (it does not run it);
# the placeholder DATABASE_URL covers a prisma.config.ts that reads env('DATABASE_URL').
RUN PRISMA_SCHEMA_ENGINE_BINARY=/dev/null \
    DATABASE_URL=postgresql://build:build@localhost:5432/build \
    npx prisma generate

# db/migrate.ts copies Prisma's WebAssembly schema engine next to @prisma/internals when that
# file is missing; do it now, because node_modules is read-only for the runtime user.
RUN mkdir -p node_modules/@prisma/internals/build \
 && cp node_modules/prisma/build/schema_engine_bg.wasm node_modules/@prisma/internals/build/

# Code stays root-owned and read-only for the runtime user; only .data (DATA_DIR) is writable.
RUN mkdir -p /app/.data && chown node:node /app/.data

ENV NODE_ENV=production
USER node

EXPOSE 3000
CMD ["npm", "run", "server"]
