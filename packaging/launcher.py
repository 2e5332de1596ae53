"""Entry script for the frozen build."""

import sys

from workbench.app import main

if __name__ == "__main__":
    sys.exit(main())
