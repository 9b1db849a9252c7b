"""Arshif's archive: the system of record (articles, sections, sources, ingest runs, rejections).

Knows nothing about Whoosh or Flask; everything it hands out is plain data.
"""
