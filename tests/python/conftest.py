"""Make `triggers_ref` importable regardless of the directory pytest runs from."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
