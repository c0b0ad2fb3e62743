import sys

# jsonschema (imported by nbformat) loads rfc3987_syntax when it is installed, for IRI
# formats that no notebook uses; building its grammar costs about a second at every start.
sys.modules.setdefault("rfc3987_syntax", None)

from .cli import main  # noqa: E402 - after the line above, on purpose

sys.exit(main())
