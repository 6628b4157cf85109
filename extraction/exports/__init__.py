"""Analyst tables, their writers (CSV, Parquet, XLSX, JSONL), DataFrames and year-to-year series."""
