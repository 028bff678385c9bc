# Action server image: composes every answer from the knowledge file; no Rasa, TensorFlow or spaCy inside.
#   docker build -f deploy/docker/actions.Dockerfile -t microneedling-faq/actions:dev .
# A clinic's own knowledge file: mount it and set KNOWLEDGE_FILE (validated when the server starts).

# Base pinned by exact tag (no registry access on the build machine to record its digest).
FROM python:3.10.16-slim-bookworm AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

RUN python -m venv /opt/venv && pip install "pip==24.0"
WORKDIR /app
COPY requirements-actions.txt constraints.txt ./
RUN pip install -r requirements-actions.txt -c constraints.txt


FROM python:3.10.16-slim-bookworm

ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    HOME=/tmp \
    SANIC_HOST=0.0.0.0 \
    ACTION_PORT=5055 \
    LOG_FORMAT=json

RUN groupadd --system --gid 10001 assistant \
    && useradd --system --uid 10001 --gid assistant --no-create-home --shell /usr/sbin/nologin assistant

COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY actions/ actions/
COPY knowledge/ knowledge/
COPY observability/ observability/
COPY service/__init__.py service/probe.py service/
COPY spacy_pipeline/__init__.py spacy_pipeline/patterns.py spacy_pipeline/entity_patterns.yml spacy_pipeline/
COPY text_screens/ text_screens/

USER 10001:10001
EXPOSE 5055
HEALTHCHECK --interval=15s --timeout=6s --start-period=20s --retries=3 CMD ["python", "-m", "service.probe", "actions"]
CMD ["python", "-m", "actions", "--port", "5055"]
