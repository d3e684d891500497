import sys

from research.reports.cli import main

sys.exit(main())
