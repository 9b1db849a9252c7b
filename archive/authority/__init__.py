"""The authority file: one canonical entry per person, organisation and place, with the
spellings news uses for it; linking the mentions found in articles to entries (unknown names
become provisional entries a librarian can merge); merging; import and export.

The text functions it needs (the lookup key of a mention, the display form of a name, the
extractor itself) are passed in, so the archive stays free of analysis code.

One module a job, all importable from here:
``entries`` (kinds, AuthorityError, following merges), ``linking`` (mentions → entries at ingest
and re-extraction), ``queries`` (reading entries for articles, search and the librarians' list, an entry's
articles, finding an entry by name),
``files`` (seeding, export, import), ``editing`` (merge, aliases, type changes).
"""
from archive.authority.editing import add_alias, merge, merge_preview, set_kind
from archive.authority.entries import KINDS, AuthorityError, KeyFn, follow_merges
from archive.authority.files import ImportReport, dump, export_entities, import_entities, load, seed
from archive.authority.linking import LABEL_KIND, EntityLinker, Resolver, reextract
from archive.authority.queries import (alias_table, articles_of, entities_of, entity_info, find_entities,
                                       list_entities)

__all__ = ["KINDS", "LABEL_KIND", "KeyFn", "AuthorityError", "follow_merges", "EntityLinker", "Resolver",
           "reextract", "entities_of", "entity_info", "alias_table", "list_entities", "articles_of", "find_entities", "seed", "export_entities",
           "dump", "load", "ImportReport", "import_entities", "merge", "merge_preview", "add_alias", "set_kind"]
