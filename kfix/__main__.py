"""python -m kfix"""

from kfix.cli import main

main()
