"""Differential tests of the A32 frontend against unicorn (see harness.py)."""
