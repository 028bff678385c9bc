"""`python -m checks`: list what the domain, data, rules, knowledge file and seeds disagree on."""

import sys

from checks.consistency import main

sys.exit(main())
