# Test fixture: every secret in this file is fake, generated at random.
FROM node:20 AS build
ARG NPM_TOKEN
ENV NODE_ENV=production \
    SIGNING_SECRET=tbxAk7jqevt0MLaMRTve
ENV NPM_TOKEN=${NPM_TOKEN}
COPY .npmrc package.json ./
RUN curl -fsSL -u deploy:tw0tESulEETldq8b8Vw2 \
      https://repo.internal/pkg.tgz -o /tmp/p.tgz
RUN --mount=type=secret,id=token curl -u "deploy:$(cat /run/secrets/token)" https://x/p
COPY .env.example /app/.env.example
