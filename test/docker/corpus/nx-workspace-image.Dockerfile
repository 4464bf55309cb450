ARG NODE_IMAGE=node:20-bookworm-slim
FROM ${NODE_IMAGE} AS workspace
WORKDIR /repo
COPY package.json package-lock.json nx.json tsconfig.base.json ./
RUN npm ci
COPY libs libs
COPY apps/api apps/api
RUN npx nx build api

FROM ${NODE_IMAGE} AS runtime
WORKDIR /srv
COPY --from=workspace /repo/dist/apps/api ./
COPY dist/apps/api/package.json ./package.json
RUN npm install --omit=dev
CMD ["node", "main.js"]
