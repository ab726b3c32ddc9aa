"""``python -m abi.conformance.fuzz --worker``: the judging process of a campaign."""

import sys

from abi.conformance.fuzz import main

sys.exit(main())
