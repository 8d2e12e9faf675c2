# cci-usage: the CLI as a container image, also usable as a CircleCI primary container.
# Build: docker build --build-arg VERSION=$(node -p "require('./package.json').version") -t cciusage/cci-usage:dev .

# ---- build: compile TypeScript and generate the oclif manifest (needs dev dependencies) ----
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No production dependency has an install script; skipping scripts keeps the build from running package code.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
RUN npx tsc -p tsconfig.build.json && npx oclif manifest

# ---- runtime: production dependencies + compiled output only ----
FROM node:24-bookworm-slim
ARG VERSION=0.0.0-dev
LABEL org.opencontainers.image.title="cci-usage" \
      org.opencontainers.image.description="CircleCI Usage API exports turned into exact reports, SVG charts, an HTML page and a weekly Slack summary" \
      org.opencontainers.image.source="https://github.com/cci-usage/cci-usage" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT"

# What CircleCI needs in a primary container (checkout, workspaces, artifacts) and HTTPS roots for the API.
# The package lists and downloaded .debs are removed in this same layer, whatever the base image configures
# (Debian's docker-clean hook is a property of the base, not something to rely on).
RUN apt-get update \
 && apt-get install -y --no-install-recommends bash git openssh-client tar gzip ca-certificates \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb /var/cache/apt/*.bin

ENV NODE_ENV=production
WORKDIR /opt/cci-usage
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY --from=build /src/oclif.manifest.json ./
COPY bin/run.js ./bin/run.js
# /work belongs to group 0 too, writable by it: OpenShift (and `docker run --user 12345:0`) runs an arbitrary uid
# with no passwd entry in group 0, which could not write the default ./usage-report otherwise.
RUN ln -s /opt/cci-usage/bin/run.js /usr/local/bin/cci-usage \
 && mkdir -p /work && chown node:0 /work && chmod 775 /work

# Reports land in ./usage-report by default: /work is writable by the non-root user (mount a folder there).
WORKDIR /work
USER node
ENTRYPOINT ["cci-usage"]
CMD ["--help"]
