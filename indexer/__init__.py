"""Arshif's search side: Arabic analysis, the Whoosh index and search over it.

Knows nothing about Flask; takes and returns plain data.
"""
