"""Every sentence nianbao puts in a document's ``errors`` list, in one place (spaCy style)."""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    "empty": "The input is empty: there is no report text to read.",
    "binary": "The input looks like binary data, not report text; convert it to text, HTML, DOCX or PDF first.",
    "undecodable": "The input could not be decoded as UTF-8, UTF-16, GB18030 or Big5 text.",
    "not_found": "The input file does not exist or cannot be opened.",
    "not_regular": "The input is not a regular file; devices, named pipes (FIFOs), sockets and directories are "
    "not read.",
    "symlink_loop": "The input path is a loop of symbolic links (or too many links deep), so there is no file to read.",
    "damaged": "Some bytes of the input are damaged and could not be decoded; they were replaced with U+FFFD and "
    "the rest of the report was read.",
    "not_a_report": "The text does not look like a government information disclosure annual report: none of its "
    "six section headings and none of its three statistics tables were found.",
    "no_tables": "No statistics table was found in the report: the cells are all missing.",
    "table_not_found": "A statistics table was not found in the report, so its cells are missing: it may be "
    "printed as an image, in an attachment or under a heading that was not recognised.",
    "template_unknown": "The table labels match neither the 2019 nor the 2021 template; cells are reported "
    "against the 2021 template.",
    "too_large": "The input is larger than one report can be; it was not read (split it or extract its text first).",
    "not_docx": "The input is a ZIP archive but not a Word (.docx) document; only DOCX, PDF, HTML and text are read.",
    "bad_docx": "The input looks like a Word (.docx) document but it is damaged or not a valid DOCX file.",
    "bad_pdf": "The input looks like a PDF but it is damaged or encrypted, so its text could not be read.",
    "no_text_layer": "The PDF has no text layer (scanned images only) and OCR is not supported yet: run OCR on "
    "it first, then extract the text.",
    "pdf_scanned_pages": "Some pages of the PDF have no text layer (scanned images) and OCR is not supported "
    "yet, so those pages were not read.",
    "pdf_too_slow": "The PDF took longer to read than one report may take, so it was not read.",
    "bad_html": "The input looks like an HTML page but its markup could not be parsed.",
    "no_visible_text": "The document has no visible text to read.",
    "over_time": "Extracting this input took longer than one report may take, so it was stopped and its worker "
    "replaced; the batch goes on.",
    "over_memory": "Extracting this input needed more memory than one report may use, so it was stopped and its "
    "worker replaced; the batch goes on.",
    "worker_died": "The worker process extracting this input stopped unexpectedly (a crash or the system running "
    "out of memory); it was replaced and the batch goes on.",
    "internal": "The extractor failed on this input; the report is kept with no cells so that the batch goes on.",
}


class NianbaoError(Exception):
    """The base of every exception nianbao raises on purpose (catch this to catch them all)."""


class ReadError(NianbaoError):
    """Raised for input that cannot be read; carries a code from MESSAGES."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail

    @property
    def sentence(self) -> str:
        return message(self.code, self.detail)


def message(code: str, detail: str = "") -> str:
    """The sentence for an error code, with an optional detail in brackets."""
    base = MESSAGES[code]
    return f"{base} ({detail})" if detail else base
