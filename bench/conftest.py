import os
import sys

# bench/ runs from the repo root like tests/ (the packages are top level)
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
