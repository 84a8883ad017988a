# syntax=docker/dockerfile:1
#
# One image for all five services: the gateway and the orders, checks, payments and loyalty subgraphs.
# The service a container runs is chosen by SERVICE (gateway | orders | checks | payments | loyalty):
#   - at build time, as the image's default:  docker build --build-arg SERVICE=orders -t pos-orders .
#   - at run time, overriding it:             docker run -e SERVICE=orders ... (docker-compose.yml does this)
# The services run their TypeScript directly (node -r ./scripts/register.js <entry>), compiled by SWC when the image
# is built (scripts/precompile.js) so that they never load SWC at run time; the other build step is the browser
# pages' (apps/web, Vite), in a stage of its own whose output alone is copied. Configuration is the environment only (see gateway/src/config.ts and
# packages/kit/src/config.ts): DATABASE_URL, INTERNAL_JWT_SECRET, KEY_ENCRYPTION_KEY (gateway), PORT, HOST, ...
# Each service applies its own migrations at start (MIGRATE_ON_START, default true, under an advisory lock).

ARG PNPM_VERSION=10.34.9

# The browser pages (portal, loyalty customer page, POS launch landing, dashboard): Vite needs the web package's
# development dependencies, which the runtime image does not carry. Only apps/web/dist leaves this stage.
FROM node:20-bookworm-slim AS web
ARG PNPM_VERSION
RUN npm install --global --no-audit --no-fund "pnpm@${PNPM_VERSION}"
WORKDIR /app
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
RUN --mount=type=cache,id=pos-pnpm-store,target=/pnpm/store \
    pnpm fetch --store-dir /pnpm/store
COPY . .
RUN --mount=type=cache,id=pos-pnpm-store,target=/pnpm/store \
    pnpm install --frozen-lockfile --prefer-offline --filter "@pos/web..." --store-dir /pnpm/store \
    && pnpm --filter @pos/web build

FROM node:20-bookworm-slim

ARG PNPM_VERSION
RUN npm install --global --no-audit --no-fund "pnpm@${PNPM_VERSION}" && npm cache clean --force

WORKDIR /app

# Dependencies first, keyed on the lockfile only: `pnpm fetch` fills the store from pnpm-lock.yaml, so a source
# change does not download anything again. The store is a BuildKit cache mount, kept out of the image.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
RUN --mount=type=cache,id=pos-pnpm-store,target=/pnpm/store \
    pnpm fetch --prod --store-dir /pnpm/store

# The workspace (.dockerignore leaves out node_modules, tests, local data and secrets). Production dependencies
# only: the services need nothing from devDependencies (jest, eslint, typescript, autocannon...).
COPY . .
RUN --mount=type=cache,id=pos-pnpm-store,target=/pnpm/store \
    pnpm install --frozen-lockfile --prod --prefer-offline --store-dir /pnpm/store

# SWC's output for every service file, where scripts/register.js looks first: a service that finds all its files
# there never loads SWC (about 40 MB less resident memory each) and compiles nothing as it starts.
RUN node scripts/precompile.js

# The gateway serves the pages from here (gateway/src/web); the subgraphs ignore them.
COPY --from=web /app/apps/web/dist apps/web/dist

ARG SERVICE=gateway
# MALLOC_MMAP_THRESHOLD_: glibc returns large freed blocks (scrypt's 16 MiB) at once; ~80 MB less RSS per service.
ENV SERVICE=${SERVICE} \
    NODE_ENV=production \
    HOST=0.0.0.0 \
    MALLOC_MMAP_THRESHOLD_=131072

# gateway 4000, orders 4001, checks 4002, payments 4003, loyalty 4004 (each service's default PORT).
EXPOSE 4000 4001 4002 4003 4004

# The app's files stay owned by root and read-only for the service, which runs as the image's unprivileged user.
USER node

# Ready = the service answers /readyz (a subgraph: its database answers; the gateway: its subgraphs answer).
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "const ports={gateway:4000,orders:4001,checks:4002,payments:4003,loyalty:4004};const port=process.env.PORT||ports[process.env.SERVICE];fetch('http://127.0.0.1:'+port+'/readyz',{signal:AbortSignal.timeout(2500)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# exec: node becomes PID 1 and gets SIGTERM itself; the services shut down cleanly on it.
CMD ["sh", "-c", "case \"$SERVICE\" in gateway) entry=gateway/src/index.ts ;; orders|checks|payments|loyalty) entry=subgraphs/$SERVICE/src/index.ts ;; *) echo \"SERVICE must be gateway, orders, checks, payments or loyalty (got '$SERVICE')\" >&2; exit 64 ;; esac; exec node -r ./scripts/register.js \"$entry\""]
