"""Errors a user can cause, and the reasons ingest stores, in words the web interface can
translate: the English message is a template with ``%(name)s`` placeholders (also its msgid in
web/translations) filled from ``params``; ``str(...)`` is the English sentence, for the CLI's
English, the API and logs.

A stored reason keeps its template and parameters (``Message.to_json``) beside the English text,
so web/ and the CLI can say it in the reader's language later (``stored_message``); a row from
before that kept only the English text, and is shown as it is."""
from __future__ import annotations


def _english(value):
    """A parameter as the English sentence shows it: a list of reasons joined by "; "."""
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    return value


def _fill(template: str, params: dict) -> str:
    return template % {k: _english(v) for k, v in params.items()} if params else template


class Message(str):
    """A notice or a reason as a string (English) that remembers its ``template`` and ``params``,
    so the web interface can say it in the reader's language. A parameter may itself be a
    Message, or a list of them (shown joined by "; ")."""

    template: str
    params: dict
    plural: str | None = None  # a counted message: its plural template (``nmessage``)

    def __new__(cls, template: str, **params):
        text = super().__new__(cls, _fill(template, params))
        text.template = template
        text.params = params
        return text

    def __reduce__(self):  # pickled (multiprocessing) with its template, not as a plain str
        return _rebuild, (self.template, self.params, self.plural)

    def to_json(self) -> dict:
        """Template and parameters for a JSON column (``Message.from_json`` reads it back)."""
        data = {"template": self.template, "params": {k: _encode(v) for k, v in self.params.items()}}
        if self.plural is not None:
            data["plural"] = self.plural
        return data

    @classmethod
    def from_json(cls, data: dict) -> "Message":
        return _rebuild(data["template"], {k: _decode(v) for k, v in data.get("params", {}).items()},
                        data.get("plural"))


def nmessage(singular: str, plural: str, num: int, **params) -> Message:
    """A counted Message (like ngettext): ``num`` chooses the English form, and each language's
    own plural rule chooses its form when translated (Arabic has six)."""
    return _rebuild(singular, {**params, "num": num}, plural)


def _rebuild(template: str, params: dict, plural: str | None = None) -> Message:
    if plural is None:
        return Message(template, **params)
    text = Message(template if params["num"] == 1 else plural, **params)
    text.template, text.plural = template, plural
    return text


def _encode(value):
    if isinstance(value, Message):
        return value.to_json()
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    return value if isinstance(value, (int, float)) or value is None else str(value)


def _decode(value):
    if isinstance(value, dict):
        return Message.from_json(value)
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def message_json(text: str | None) -> dict | None:
    """What a JSON column keeps of a reason: its template and parameters; None for plain text."""
    return text.to_json() if isinstance(text, Message) else None


def stored_message(english: str | None, data: dict | None) -> str | None:
    """A reason read back from the database: the Message its JSON describes, or the English text
    alone (a row from before reasons kept their template, or JSON that cannot be read)."""
    if not data:
        return english
    try:
        return Message.from_json(data)
    except (KeyError, TypeError, ValueError, AttributeError):
        return english


class UserError(Exception):
    """Raise as ``AuthorityError("there is no entity %(id)s", id=public_id)``. The catalogue
    extraction (web/catalogs.py) reads the templates of every subclass listed there."""

    def __init__(self, template: str, **params):
        self.template = template
        self.params = params
        super().__init__(_fill(template, params))

    @property
    def message(self) -> Message:
        """The error as a Message (a string: its English sentence)."""
        return Message(self.template, **self.params)


def N_(template: str) -> str:
    """Marks a message template chosen before it is raised, for the catalogue extraction."""
    return template
