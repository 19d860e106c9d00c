# One image for both processes: `node dist/api/server.js` or `node dist/worker/main.js`.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY accounts accounts
COPY api api
COPY cli cli
COPY activities activities
COPY config config
COPY content content
COPY db db
COPY demo demo
COPY domain domain
COPY mail mail
COPY temporal temporal
COPY worker worker
COPY web web
COPY workflows workflows
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
USER node
EXPOSE 3000
CMD ["node", "dist/api/server.js"]
