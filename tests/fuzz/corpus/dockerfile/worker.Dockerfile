# Test corpus for leakhound: every credential in this file is fake, generated at random.
FROM python:3.12-slim
ARG PIP_TOKEN
ENV PIP_TOKEN=${PIP_TOKEN}
COPY .pypirc /root/.pypirc
RUN curl -fsSL -u worker:nzqw7wZyVGOeUvfJIssDj4 \
      https://artifacts.acme-shop.internal/worker.tgz | tar -xz -C /opt
RUN --mount=type=secret,id=pip pip install --index-url "https://pypi.acme-shop.internal/simple" worker
