"""`python -m jianyu …` is the `jianyu` command."""
from .cli import main

main()
