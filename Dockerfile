# PaperLens: the bot, the HTTP API and the daily ingest from one CPU-only image.
#   docker build -t paperlens .
#   docker run --rm -v paperlens-data:/data paperlens ingest          (any `paperlens` subcommand)
#   docker compose up -d                                               (bot + API; see docs/deploy.md)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# torch first, pinned, from PyTorch's CPU-only index: the package's dependencies name torch without a
# build, and the default wheel from PyPI pulls in several GB of CUDA libraries that a CPU host never uses.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

# Then the package (and the postgres extra, so the same image serves either backend). Only what the
# build needs is copied: a change to the tests or the docs does not rebuild this layer.
WORKDIR /src
COPY pyproject.toml README.md ./
COPY index ./index
COPY cli ./cli
COPY bot ./bot
COPY api ./api
RUN pip install ".[postgres]" \
    && python -c "import torch; assert torch.version.cuda is None, 'a CUDA build of torch was installed'" \
    && rm -rf /src

# A dedicated user without a login shell. The volume /data holds the data directory /data/index (the store
# and the indexes): a directory inside the volume, not the volume itself, because `paperlens restore` swaps
# the data directory by renaming it and its staging copy beside it, which a mount point cannot be.
# /cache holds this CPU's measured encoder choice and the model's ONNX exports (compose mounts a
# volume there so they are not measured and exported again at every container start).
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/paperlens \
        --shell /usr/sbin/nologin paperlens \
    && mkdir -p /data /cache \
    && chown paperlens:paperlens /data /cache

ENV PAPERLENS_DATA_DIR=/data/index \
    XDG_CACHE_HOME=/cache \
    HF_HUB_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false \
    PAPERLENS_API_HOST=0.0.0.0 \
    PAPERLENS_API_PORT=8000

VOLUME ["/data"]
USER paperlens
WORKDIR /home/paperlens
EXPOSE 8000

# For the API (the default command): /healthz answers once the index is open. The bot service, which
# serves no HTTP, turns this off in compose.yaml. The first start of an empty data directory imports the
# sample corpus and measures the encoders (20-40 s), hence the start period.
HEALTHCHECK --interval=30s --timeout=5s --start-period=180s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PAPERLENS_API_PORT', '8000') + '/healthz', timeout=4)"]

ENTRYPOINT ["paperlens"]
CMD ["serve"]
