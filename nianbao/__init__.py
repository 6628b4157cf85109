"""nianbao: extraction of 政府信息公开工作年度报告 into the output contract's JSON."""

from nianbao.extraction.exports.frames import frames
from nianbao.extraction.pipeline import extract, extract_bytes, extract_text

__all__ = ["extract", "extract_bytes", "extract_text", "frames"]
__version__ = "0.1.0"
