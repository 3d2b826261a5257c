"""What the page needs that is not the page: services (and streaming), render (HTML), exports,
uploads and tables — one module each.

The page (``app.py``, :mod:`assistant.serve.layout` and :mod:`assistant.serve.events`) only lays
out Gradio components and wires events to the functions here, so all of this is testable without
a browser. Answers are handled as the dict :meth:`Answer.to_json`
returns (the ``/ask`` API contract), so what the page shows is exactly what the API returns.

Every text that comes from a document or an answer is HTML-escaped here before it is wrapped in
markup: a document containing ``<script>`` must show as text and never run in the page.

Importing this package must stay cheap: app.py imports it before the page is served, so the
answer chain, the figure parser (jieba) and the index are imported inside the functions.
"""

from assistant.errors import AssistantError  # noqa: F401 — re-exported for the page
from assistant.serve.drafting import STYLES, draft_options, fact_choices, render_plan  # noqa: F401
from assistant.serve.exports import (  # noqa: F401 — the page imports these as serve.<name>
    answer_markdown,
    export_docx,
    export_markdown,
    exports_dir,
)
from assistant.serve.model_state import REFRESH_S, model_state_html  # noqa: F401 — the page imports these
from assistant.serve.render import (  # noqa: F401 — the page imports these as serve.<name>
    UNVERIFIED_STYLE,
    answer_status,
    backend_banner,
    escape,
    escape_chat,
    highlight,
    reference_lines,
    render_answer_text,
    render_draft,
    render_sources,
    render_streaming,
    unverified_mark,
)
from assistant.serve.services import (  # noqa: F401 — the page imports these as serve.<name>
    EXAMPLE_QUESTIONS,
    Services,
    build_answerer,
    plain_history,
    stream_answer,
)
from assistant.serve.tables import (  # noqa: F401 — the page imports these as serve.<name>
    DOCUMENT_COLUMNS,
    FAILURE_COLUMNS,
    METRIC_COLUMNS,
    basic_auth,
    document_rows,
    eval_summary,
    eval_tables,
    filter_choices,
)
from assistant.serve.uploads import (  # noqa: F401 — the page imports these as serve.<name>
    UPLOAD_SUFFIXES,
    IngestOutcome,
    UploadError,
    check_upload,
    ingest_files,
    ingest_summary,
    refusal_note,
    reindex,
    remove_upload_file,
    sanitize_filename,
    store_uploads,
    upload_target,
)
