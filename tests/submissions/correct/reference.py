# The instructor's own solutions, unchanged: full marks everywhere.
