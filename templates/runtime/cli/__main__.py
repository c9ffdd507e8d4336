"""``python -m <package>._runtime.cli``: the same as the ``runcomfy-models`` script."""

from . import main

main()
