"""`python -m bench`: the same as the `worldcoder-bench` command (`bench.cli`)."""

import sys

from bench.cli import main

sys.exit(main())
