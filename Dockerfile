# op-gossip container image. Not built here (no Docker engine on the development machines):
# kept correct by reading. Three stages: compile TypeScript, install production dependencies,
# then a slim runtime that runs as the unprivileged `node` user.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim
# glibc gives freed big buffers back to the kernel (bin/mallocTuning.js); set here, so
# `op-gossip run` need not re-execute itself to get it.
ENV NODE_ENV=production MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
# Keys and the discovery table live in /data (mount a volume to keep the peer ID stable).
RUN mkdir -p /data && chown node:node /data
USER node
WORKDIR /data
# 9222 tcp: libp2p; 9222 udp: discv5; 7300: Prometheus metrics; 9545: status RPC and /healthz
EXPOSE 9222/tcp 9222/udp 7300/tcp 9545/tcp
ENTRYPOINT ["node", "/app/bin/op-gossip.js"]
CMD ["--help"]
