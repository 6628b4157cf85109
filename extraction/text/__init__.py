"""Text → the normalised view, section headings, table regions, row labels and value tokens (rules, and the tagger's
labels through the locator)."""
