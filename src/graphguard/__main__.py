"""``python -m graphguard`` (and ``torchrun -m graphguard``) runs the CLI."""

from graphguard.cli import main

main()
