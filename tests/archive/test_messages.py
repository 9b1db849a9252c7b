"""Stored reasons (archive/errors.py): English text that keeps its template and parameters."""
from __future__ import annotations

import json
import pickle

from archive.errors import Message, message_json, nmessage, stored_message


def test_a_message_goes_through_json_and_pickle_whole():
    inner = [Message("%(path)s: no such file or directory", path="/a b"), nmessage("%(num)s complete record",
                                                                                  "%(num)s complete records", 3)]
    outer = Message("nothing could be read: %(reasons)s", reasons=inner)
    assert outer == "nothing could be read: /a b: no such file or directory; 3 complete records"
    for back in (Message.from_json(json.loads(json.dumps(message_json(outer)))), pickle.loads(pickle.dumps(outer))):
        assert back == outer and back.template == outer.template
        assert back.params["reasons"][1].plural == "%(num)s complete records"
        assert back.params["reasons"][1].template == "%(num)s complete record"
    assert nmessage("%(num)s complete record", "%(num)s complete records", 1) == "1 complete record"


def test_plain_text_and_unreadable_json_fall_back_to_the_english_words():
    assert message_json("plain words") is None
    assert stored_message("old words", None) == "old words" and not isinstance(stored_message("old words", None), Message)
    assert stored_message("old words", {"params": {}}) == "old words"            # no template: unreadable
    assert stored_message("old words", {"template": "%(x)s %(y)s", "params": {"x": 1}}) == "old words"  # y missing
