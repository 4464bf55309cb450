FROM node:20 AS assets
WORKDIR /web
COPY package.json yarn.lock ./
RUN yarn install --frozen-lockfile
COPY public public
COPY src src
RUN yarn build

FROM nginx:1.27-alpine
COPY nginx/default.conf /etc/nginx/conf.d/default.conf
COPY --from=assets /web/build /usr/share/nginx/html
