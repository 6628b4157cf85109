"""Generated reports: tables, layouts, renderers (text, PDF) and their gold annotations."""
