"""Reading student code without running it: loops, literals, what a region reaches, which
cells a grading needs, and the perimeter a graded region must stay inside."""
