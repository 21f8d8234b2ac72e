# Test corpus for leakhound: the credential below is fake, generated at random.
FROM python:3.12-slim@sha256:4109f0677a59edaababbfb1a79372010aabf3c25609b5f97d0a10c45080695be
ARG PIP_EXTRA_INDEX_URL
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /srv/app
COPY app/python/requirements.txt .
RUN pip install --no-cache-dir --index-url https://ci-reader:uT8KnYHcR7HlUpU65kT4ZH@pypi.acme-shop.internal/simple/ -r requirements.txt
COPY app/python/ .
USER 10001
CMD ["gunicorn", "shop.wsgi", "--bind", "0.0.0.0:8080"]
