"""Arabic text folding shared by the archive and the search index: pure functions on ``str``,
nothing but the standard library and pyarabic's letter names, so ``archive/`` (dates) and
``indexer/`` (analysis) read Arabic text the same way without ``archive/`` importing the index.
"""

from arabic_text.folding import FOLD_MAP, normalize, strip_marks

__all__ = ["FOLD_MAP", "normalize", "strip_marks"]
