"""Errors a user can cause, in words the web interface can translate: the English message
is a template with ``%(name)s`` placeholders (also its msgid in web/translations) filled from
``params``; ``str(error)`` is the English sentence, for the CLI and logs."""
from __future__ import annotations


class UserError(Exception):
    """Raise as ``AuthorityError("there is no entity %(id)s", id=public_id)``. The catalogue
    extraction (web/catalogs.py) reads the templates of every subclass listed there."""

    def __init__(self, template: str, **params):
        self.template = template
        self.params = params
        super().__init__(template % params if params else template)

    @property
    def message(self) -> str:
        return str(self)


class Message(str):
    """A notice as a string (English, for the API and logs) that remembers its ``template``
    and ``params``, so the web interface can say it in the reader's language."""

    template: str
    params: dict

    def __new__(cls, template: str, **params):
        text = super().__new__(cls, template % params if params else template)
        text.template = template
        text.params = params
        return text


def N_(template: str) -> str:
    """Marks a message template chosen before it is raised, for the catalogue extraction."""
    return template
