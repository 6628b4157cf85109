"""Bytes → text: files read under a bound, encodings decoded, HTML, DOCX and PDF rendered."""
