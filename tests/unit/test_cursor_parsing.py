"""Property tests of the stream's cursor parsing (Last-Event-ID / lastEventId, `before`)."""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from notification_center.notifications.service import parse_cursor

ASCII_CURSOR = re.compile(r"[0-9]{1,18}")


@given(st.integers(min_value=0, max_value=10**18 - 1))
def test_every_cursor_the_server_hands_out_reads_back(n):
    assert parse_cursor(str(n)) == n


@given(st.text())
@example("١٢٣")  # Arabic-Indic digits: str.isdigit() is true, int() would read 123
@example("²")  # superscript two: isdigit() is true, int() raises
@example(" 12")
@example("12\n")
@example("+1")
@example("-1")
@example("1_000")
@example("9" * 19)  # one digit longer than any cursor (and beyond a 64-bit column)
@example("")
def test_any_text_is_a_cursor_only_if_it_is_1_to_18_ascii_digits(text):
    parsed = parse_cursor(text)
    if ASCII_CURSOR.fullmatch(text):
        assert parsed == int(text)
    else:
        assert parsed is None


@given(st.text(alphabet=st.characters(categories=["Nd"]).filter(lambda c: c not in "0123456789"), min_size=1))
def test_digits_of_other_scripts_are_not_cursors(text):
    assert parse_cursor(text) is None


def test_none_is_no_cursor():
    assert parse_cursor(None) is None
