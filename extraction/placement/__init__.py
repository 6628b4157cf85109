"""Where every value goes: one decoder over the tagger's slot scores and the template's arithmetic.

The data path inside this package:

- ``arithmetic``: the identities (row sums, 三 column sums, 一+二=三（七）+四, appeals totals),
  defined once and used by the decoder, the splitter and the checks;
- ``decoder``: the one selection rule (:func:`decoder.choose`): the highest model score among the
  readings the arithmetic allows, the runner-up and its margin, one tie-break (leftmost);
- ``search``: candidate placements of a row's printed values over its columns;
- ``runs``: candidate splits of run-together digits (crawled one-line bodies);
- ``run_tables``: rows and the appeals table built from digit runs;
- ``joint``: the joint choice over the requests table (column identities across rows).

Rule patterns (labels, value tokens, runs) generate the candidates; the tagger's column-slot
probabilities score them; with ``--model rules`` every candidate scores 0 and the arithmetic
and the tie-break decide alone.
"""
