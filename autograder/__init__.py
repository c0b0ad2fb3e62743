"""A trusted grader for nbgrader assignments: student code runs in its own kernel,
checks are pytest modules that judge plain data in the grader's process."""
import sys

# jsonschema (imported by nbformat) loads rfc3987_syntax when it is installed, for IRI
# formats that no notebook uses; building its grammar costs about a second at every start
# of the CLI and of every batch worker.  Set before any of our modules imports nbformat.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # None blocks an import; typeshed omits it
