"""Updating a model file that holds comments: the file is edited in place, not rewritten.

`edit_text` takes the file's text and the model it must hold. Only what differs is touched: a
changed value gets the text the canonical layout gives it (`tomlfmt`), a removed key or table is
dropped with the comments attached to it, a new key or table is added where the layout puts it
among those present. Every other line (comments, blank lines, the file's own key order and
writing of values) stays as it was.

A comment is attached to the key or table header on the line right below it (no blank line
between) and to the line it ends; the comments inside a table belong to the table. A run of
comments that ends the file after a blank line belongs to nothing. The result is checked: it must
read back to the model the canonical layout would write, and hold every comment but those
dropped with what was removed; otherwise `EditError`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import tomlkit
from tomlkit.container import Container
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, Comment, Null, Table

from .errors import EditError, FormatError
from .tomlfmt import (
    find_comments,
    format_entry,
    format_metadata,
    format_provider_model,
    format_section,
    format_value,
    layout,
    normalized,
)
from .tomlread import TomlError, loads

__all__ = ["DroppedComment", "EditedText", "Kind", "edit_text"]

Kind = Literal["metadata", "provider-model"]
# A table's place: keys, with the index of the element for an array of tables.
Where = tuple[str | int, ...]
_MISSING = object()


@dataclass(frozen=True, slots=True)
class DroppedComment:
    """A comment removed with what it was attached to: `owner` is `key cost.input`,
    `table limit` or `table cost.tiers[0]` (the first `[[cost.tiers]]`)."""

    owner: str
    comment: str


@dataclass(frozen=True, slots=True)
class EditedText:
    text: str
    dropped: tuple[DroppedComment, ...] = ()


@dataclass(slots=True)
class _Statement:
    """One line of the file (or a few, for a value written over several lines)."""

    kind: Literal["blank", "comment", "header", "entry"]
    text: str
    table: Where  # a header's own table; for other lines, the table they are in
    key: str = ""  # entries
    prefix: str = ""  # entries: the text before the value
    suffix: str = ""  # entries: the text after the value
    comment: str = ""  # a comment line's text, or the comment ending an entry or header
    inner: tuple[str, ...] = ()  # entries: the comments inside a value written over lines


def edit_text(original: str, model: Mapping[str, Any], kind: Kind) -> EditedText:
    """The text of `original` edited to hold `model` (a table as `tomlread` reads it)."""
    canonical = format_metadata(model) if kind == "metadata" else format_provider_model(model)
    expected = loads(canonical)
    try:
        statements = _statements(tomlkit.parse(original))
        old = normalized(loads(original))
    except (TOMLKitError, TomlError) as error:
        raise EditError(f"the file cannot be read for editing: {error}") from None
    if "".join(s.text for s in statements) != original:
        raise EditError("tomlkit does not give back the file's exact text")
    editor = _Editor(statements, old, expected)
    text = editor.edit()
    _check(original, text, expected, editor.dropped)
    return EditedText(text, tuple(editor.dropped))


def _check(
    original: str, text: str, expected: Mapping[str, Any], dropped: list[DroppedComment]
) -> None:
    try:
        parsed = loads(text)
    except TomlError as error:
        raise EditError(f"the edited text is not valid TOML: {error}") from None
    if normalized(parsed) != expected:
        raise EditError("the edited text does not read back to the planned model")
    wanted = Counter(find_comments(original))
    wanted.subtract(d.comment for d in dropped)
    if Counter(find_comments(text)) != +wanted:
        raise EditError("the edited text does not keep every comment")


def _statements(document: Container) -> list[_Statement]:
    found: list[_Statement] = []
    _walk(document, (), found)
    return found


def _walk(container: Container, table: Where, found: list[_Statement]) -> None:
    for key, item in container.body:
        if isinstance(item, Null):
            continue
        if key is None:
            if isinstance(item, Comment):
                comment = item.trivia.comment.strip()
                found.append(_Statement("comment", item.as_string(), table, comment=comment))
            else:
                found.append(_Statement("blank", item.as_string(), table))
        elif key.is_dotted():
            raise EditError(f"dotted keys ({key.as_string().strip()}) are not edited in place")
        elif isinstance(item, AoT):
            for index, element in enumerate(item.body):
                _table(element, (*table, key.key, index), found, "[[", "]]")
        elif isinstance(item, Table):
            _table(item, (*table, key.key), found, "[", "]")
        else:
            trivia = item.trivia
            prefix = f"{trivia.indent}{key.as_string()}{key.sep}"
            suffix = f"{trivia.comment_ws}{trivia.comment}{trivia.trail}"
            found.append(
                _Statement(
                    "entry",
                    prefix + item.as_string() + suffix,
                    table,
                    key=key.key,
                    prefix=prefix,
                    suffix=suffix,
                    comment=trivia.comment.strip(),
                    inner=tuple(find_comments(item.as_string())),
                )
            )


def _table(table: Table, where: Where, found: list[_Statement], open_: str, close: str) -> None:
    if not table.is_super_table() or table.is_aot_element():
        if table.display_name is None:
            raise EditError(f"table {_name(where)} has no header text")
        trivia = table.trivia
        text = (
            f"{trivia.indent}{open_}{table.display_name}{close}"
            f"{trivia.comment_ws}{trivia.comment}{trivia.trail}"
        )
        found.append(_Statement("header", text, where, comment=trivia.comment.strip()))
    _walk(table.value, where, found)


def _name(where: Where) -> str:
    text = ""
    for part in where:
        text += f"[{part}]" if isinstance(part, int) else f"{'.' if text else ''}{part}"
    return text


def _keys(where: Where) -> tuple[str, ...]:
    return tuple(part for part in where if isinstance(part, str))


def _get(data: Any, where: Where) -> Any:
    for part in where:
        if isinstance(part, int):
            if not isinstance(data, list) or part >= len(data):
                return _MISSING
            data = data[part]
        elif isinstance(data, Mapping) and part in data:
            data = data[part]
        else:
            return _MISSING
    return data


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


class _Editor:
    """Marks what to drop, replaces values and places new lines; then writes the text."""

    def __init__(
        self, statements: list[_Statement], old: Mapping[str, Any], new: Mapping[str, Any]
    ) -> None:
        self.statements = statements
        self.old = old
        self.new = new
        self.texts = [s.text for s in statements]
        self.drops = [False] * len(statements)
        self.inserts: dict[int, list[str]] = {}
        self.gaps: set[int] = set()  # positions whose new lines are followed by a blank line
        self.dropped: list[DroppedComment] = []
        self.trailer = self._trailer()

    def edit(self) -> str:
        for index, statement in enumerate(self.statements):
            if self.drops[index]:
                continue
            if statement.kind == "header":
                if not isinstance(_get(self.new, statement.table), Mapping):
                    self._drop_table(index)
            elif statement.kind == "entry":
                self._edit_entry(index, statement)
        self._add((), self.new)
        return self._write()

    # Changes and removals

    def _edit_entry(self, index: int, statement: _Statement) -> None:
        table = _get(self.new, statement.table)
        if not isinstance(table, Mapping):
            return
        if statement.key not in table:
            owner = f"key {_name((*statement.table, statement.key))}"
            for above in self._attached(index):
                self._drop(above, owner)
            self._drop(index, owner)
            return
        value = table[statement.key]
        if value != _get(self.old, (*statement.table, statement.key)):
            path = (*_keys(statement.table), statement.key)
            self.texts[index] = statement.prefix + _value(path, value) + statement.suffix
            owner = f"old value of key {_name((*statement.table, statement.key))}"
            self.dropped += [DroppedComment(owner, comment) for comment in statement.inner]

    def _drop_table(self, header: int) -> None:
        owner = f"table {_name(self.statements[header].table)}"
        for above in self._attached(header):
            self._drop(above, owner)
        end = self._next_header(header)
        stop = self._attached(end)[0] if end < len(self.statements) else self.trailer
        stop = max(stop, header + 1)
        for index in range(header, stop):
            self._drop(index, owner)

    def _drop(self, index: int, owner: str) -> None:
        if self.drops[index]:
            return
        self.drops[index] = True
        statement = self.statements[index]
        for comment in (*statement.inner, statement.comment):
            if comment:
                self.dropped.append(DroppedComment(owner, comment))

    def _attached(self, index: int) -> list[int]:
        """The comment lines right above statement `index`, then `index` itself."""
        start = index
        while start > 0 and self.statements[start - 1].kind == "comment":
            start -= 1
        return list(range(start, index + 1))

    def _next_header(self, index: int) -> int:
        for later in range(index + 1, len(self.statements)):
            if self.statements[later].kind == "header":
                return later
        return len(self.statements)

    def _trailer(self) -> int:
        """Where the comments that end the file after a blank line begin (else the end)."""
        start = len(self.statements)
        while start > 0 and self.statements[start - 1].kind in ("blank", "comment"):
            start -= 1
        while start < len(self.statements) and self.statements[start].kind == "comment":
            start += 1
        tail = self.statements[start:]
        return start if any(s.kind == "comment" for s in tail) else len(self.statements)

    # Additions

    def _add(self, table: Where, new: Mapping[str, Any]) -> None:
        lines, sections = layout(_keys(table), new)
        entries = self._entries(table)
        present = self._sections(table)
        missing = [k for k in lines if k not in entries and k not in present]
        if missing and table and self._header(table) is None and not entries:
            text = format_section(_keys(table), {k: new[k] for k in missing})
            self._insert(self._start(table), ["\n", *_lines(text), "\n"])
        else:
            for key in missing:
                self._add_entry(table, key, new[key], lines, entries)
        for key in sections:
            value = new[key]
            if key in entries:
                continue
            if key not in present:
                self._add_section(table, key, value, sections, present)
            elif isinstance(value, Mapping):
                self._add((*table, key), value)
            else:
                count = present[key]
                for index in range(min(count, len(value))):
                    self._add((*table, key, index), value[index])
                if len(value) > count:
                    last = (*table, key, count - 1)
                    text = format_section((*_keys(table), key), value[count:])
                    self._insert_after(self._end(last), text)

    def _entries(self, table: Where) -> dict[str, int]:
        found: dict[str, int] = {}
        for index, statement in enumerate(self.statements):
            if statement.kind == "entry" and statement.table == table and not self.drops[index]:
                found.setdefault(statement.key, index)
        return found

    def _sections(self, table: Where) -> dict[str, int]:
        """The tables and arrays of tables kept under `table`: key → number of elements."""
        found: dict[str, int] = {}
        depth = len(table)
        for index, statement in enumerate(self.statements):
            where = statement.table
            if statement.kind != "header" or self.drops[index] or where[:depth] != table:
                continue
            key = where[depth] if len(where) > depth else None
            if isinstance(key, str):
                element = where[depth + 1] if len(where) > depth + 1 else None
                count = element + 1 if isinstance(element, int) else 1
                found[key] = max(found.get(key, 0), count)
        return found

    def _header(self, table: Where) -> int | None:
        for index, statement in enumerate(self.statements):
            if statement.kind == "header" and statement.table == table and not self.drops[index]:
                return index
        return None

    def _add_entry(
        self,
        table: Where,
        key: str,
        value: Any,
        order: list[str],
        entries: dict[str, int],
    ) -> None:
        line = _entry((*_keys(table), key), value) + "\n"
        position = order.index(key)
        before = [entries[k] for k in reversed(order[:position]) if k in entries]
        after = [entries[k] for k in order[position + 1 :] if k in entries]
        if before:
            self._insert(before[0] + 1, [line])
        elif after:
            self._insert(self._attached(after[0])[0], [line])
        elif (header := self._header(table)) is not None:
            self._insert(header + 1, [line])
        else:
            self._insert(self._root_start(), [line])

    def _root_start(self) -> int:
        """Where root keys go in a file that has none: before the first table."""
        for index, statement in enumerate(self.statements):
            if statement.kind == "header":
                start = self._attached(index)[0]
                self.gaps.add(start)
                return start
        return self.trailer

    def _add_section(
        self, table: Where, key: str, value: Any, order: list[str], present: dict[str, int]
    ) -> None:
        text = format_section((*_keys(table), key), value)
        position = order.index(key)
        before = [k for k in reversed(order[:position]) if k in present]
        after = [k for k in order[position + 1 :] if k in present]
        if before:
            self._insert_after(self._end((*table, before[0])), text)
        elif after:
            self._insert(self._start((*table, after[0])), ["\n", *_lines(text), "\n"])
        else:
            self._insert_after(self._end(table), text)

    def _start(self, table: Where) -> int:
        """The first line of a table's first header, with the comments attached to it."""
        depth = len(table)
        for index, statement in enumerate(self.statements):
            if statement.kind == "header" and statement.table[:depth] == table:
                return self._attached(index)[0]
        return self.trailer

    def _end(self, table: Where) -> int:
        """Where the last content of a table (its sub-tables included) ends."""
        depth = len(table)
        last = -1
        for index, statement in enumerate(self.statements):
            inside = statement.table[:depth] == table
            if inside and statement.kind in ("header", "entry") and not self.drops[index]:
                last = index
        end = last + 1
        # Comments right below the last line, up to a blank line, belong to it.
        probe = end
        while probe < len(self.statements) and self.statements[probe].kind == "comment":
            probe += 1
        if probe == len(self.statements) or self.statements[probe].kind == "blank":
            end = probe
        return end

    def _insert_after(self, position: int, text: str) -> None:
        self._insert(position, ["\n", *_lines(text), "\n"])

    def _insert(self, position: int, lines: list[str]) -> None:
        self.inserts.setdefault(position, []).extend(lines)

    # Writing

    def _write(self) -> str:
        """The text: kept lines, replaced values, new lines. A blank line the edit added, or
        one next to a removed line, is left out where it would double a blank line or begin or
        end the file."""
        items: list[tuple[str, bool, bool]] = []  # text, dropped, added
        for index, text in enumerate([*self.texts, None]):
            items += [(line, False, True) for line in self.inserts.get(index, [])]
            if index in self.gaps:
                items.append(("\n", False, True))
            if text is not None:
                items.append((text, self.drops[index], False))
        written: list[str] = []
        after_drop = False
        for position, (text, dropped, added) in enumerate(items):
            if dropped:
                after_drop = True
                continue
            if not text.strip() and (added or after_drop):
                following = next((t for t, d, _ in items[position + 1 :] if not d), None)
                if not written or not written[-1].strip() or following is None:
                    continue
                if added and not following.strip():
                    continue
            if written and not written[-1].endswith("\n"):
                written[-1] += "\n"
            written.append(text)
            after_drop = False
        while after_drop and written and not written[-1].strip():
            written.pop()
        return "".join(written)


def _value(path: Sequence[str], value: Any) -> str:
    try:
        return format_value(path, value)
    except FormatError as error:
        raise EditError(str(error)) from None


def _entry(path: Sequence[str], value: Any) -> str:
    try:
        return format_entry(path, value)
    except FormatError as error:
        raise EditError(str(error)) from None
