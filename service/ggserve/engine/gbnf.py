"""A structural check of GBNF text, in pure Python, before llama.cpp's parser ever sees it.

llama.cpp trusts its grammar input more than a server can: its parser recurses once per
parenthesis level (a few tens of thousands of levels overflow the stack: SIGSEGV), initialising a
grammar is quadratic in the alternatives that can start at one position (300 000 alternatives
block the caller for minutes), and a reachable terminal that matches no character leaves the
sampler with no candidate, after which `llama_grammar_accept_impl` throws through the C API
(`std::terminate`: SIGABRT). So every grammar is parsed here first, iteratively, and refused with
a message naming the limit when it is too large, too deep, too wide, contains a terminal no text
can match, or matches no finite text at all. Syntax errors are left to llama.cpp, which reports
them without crashing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ggserve.limits import Limits

MAX_CODEPOINT = 0x10FFFF
_ESCAPES = {"t": 9, "r": 13, "n": 10, "\\": 92, '"': 34, "[": 91, "]": 93}
_HEX_DIGITS = {"x": 2, "u": 4, "U": 8}


class GbnfError(ValueError):
    """The grammar is refused; the message names the limit or the problem."""


@dataclass(slots=True)
class _Element:
    """One symbol of a sequence: a terminal (matchable or not) or a reference to a rule."""

    rule: str | None = None  # None: a terminal
    matchable: bool = True
    optional: bool = False  # repeated with a minimum of 0: the symbol may be skipped
    key: str = ""  # a terminal's source text (two equal keys match the same characters)


@dataclass(slots=True)
class _Grammar:
    rules: dict[str, list[list[_Element]]] = field(default_factory=dict)
    defined: set[str] = field(default_factory=set)
    alternatives: int = 0
    max_depth: int = 0


class _Cursor:
    """Reads GBNF text the way llama.cpp's parser does (spaces, comments, escapes)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.text[index] if index < len(self.text) else ""

    def skip_space(self, newline_ok: bool) -> None:
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char == "#":
                while self.pos < len(text) and text[self.pos] not in "\r\n":
                    self.pos += 1
            elif char in " \t" or (newline_ok and char in "\r\n"):
                self.pos += 1
            else:
                return

    def name(self) -> str:
        start = self.pos
        while self.pos < len(self.text) and (
            self.text[self.pos].isalnum() or self.text[self.pos] in "-_"
        ):
            self.pos += 1
        if self.pos == start:
            raise GbnfError(f"expecting a rule name at offset {start}")
        return self.text[start : self.pos]

    def integer(self) -> int:
        start = self.pos
        while self.peek().isdigit():
            self.pos += 1
        if self.pos == start:
            raise GbnfError(f"expecting an integer at offset {start}")
        digits = self.text[start : self.pos]
        return int(digits) if len(digits) <= 12 else 10**12

    def char(self) -> int:
        """One (possibly escaped) character's code point."""
        char = self.peek()
        if not char:
            raise GbnfError("unexpected end of grammar")
        if char != "\\":
            self.pos += 1
            return ord(char)
        kind = self.peek(1)
        if kind in _ESCAPES:
            self.pos += 2
            return _ESCAPES[kind]
        if kind in _HEX_DIGITS:
            width = _HEX_DIGITS[kind]
            digits = self.text[self.pos + 2 : self.pos + 2 + width]
            try:
                value = int(digits, 16)
            except ValueError:
                raise GbnfError(f"bad escape at offset {self.pos}") from None
            self.pos += 2 + width
            return value
        raise GbnfError(f"unknown escape at offset {self.pos}")


def _matchable(code: int) -> bool:
    # llama.cpp compares decoded token text as a C string, so NUL can never be produced.
    return 1 <= code <= MAX_CODEPOINT


def _class_matchable(ranges: list[tuple[int, int]], negated: bool) -> bool:
    """Whether a character class matches at least one producible code point."""
    spans = sorted((max(lo, 1), min(hi, MAX_CODEPOINT)) for lo, hi in ranges)
    spans = [(lo, hi) for lo, hi in spans if lo <= hi]
    if not negated:
        return bool(spans)
    covered_to = 0  # every code point in 1..covered_to is excluded
    for lo, hi in spans:
        if lo > covered_to + 1:
            return True
        covered_to = max(covered_to, hi)
    return covered_to < MAX_CODEPOINT


class _Parser:
    """An iterative GBNF parser: nesting costs heap, not stack, so depth can be checked."""

    def __init__(self, text: str, limits: Limits) -> None:
        self.cur = _Cursor(text)
        self.limits = limits
        self.grammar = _Grammar()
        self.generated = 0

    def parse(self) -> _Grammar:
        cur = self.cur
        cur.skip_space(newline_ok=True)
        while cur.peek():
            name = cur.name()
            cur.skip_space(newline_ok=False)
            if cur.text[cur.pos : cur.pos + 3] != "::=":
                raise GbnfError(f"expecting ::= after rule {name!r}")
            cur.pos += 3
            cur.skip_space(newline_ok=True)
            self.grammar.defined.add(name)
            self._alternates(name)
            if cur.peek() and cur.peek() not in "\r\n":
                raise GbnfError(f"expecting a newline or the end at offset {cur.pos}")
            cur.skip_space(newline_ok=True)
        return self.grammar

    def _new_rule(self, base: str) -> str:
        self.generated += 1
        return f"{base}#{self.generated}"

    def _alternates(self, rule: str) -> None:
        """Parse `rule`'s alternatives, groups included, with an explicit stack of open groups."""
        cur = self.cur
        # Each frame: (rule name, its alternatives, the parent's sequence the group ends up in).
        stack: list[tuple[str, list[list[_Element]], list[_Element] | None]] = []
        alternatives: list[list[_Element]] = [[]]
        current_rule = rule
        parent: list[_Element] | None = None
        while True:
            sequence = alternatives[-1]
            char = cur.peek()
            if not char:
                if stack:
                    raise GbnfError("unexpected end of grammar inside a group")
                self._close(current_rule, alternatives)
                return
            symbol = self._symbol(char)
            if symbol is not None:
                sequence.append(symbol)
            elif char == "(":
                cur.pos += 1
                if len(stack) + 1 > self.limits.max_grammar_nesting:
                    raise GbnfError(
                        f"grammar nesting depth exceeds the limit of "
                        f"{self.limits.max_grammar_nesting} parenthesised levels"
                    )
                stack.append((current_rule, alternatives, parent))
                self.grammar.max_depth = max(self.grammar.max_depth, len(stack))
                parent = sequence
                current_rule = self._new_rule(rule)
                alternatives = [[]]
                cur.skip_space(newline_ok=True)
                continue
            elif char == ")" and stack:
                cur.pos += 1
                self._close(current_rule, alternatives)
                assert parent is not None
                parent.append(_Element(rule=current_rule))
                current_rule, alternatives, parent = stack.pop()
            elif char in "*+?{":
                self._repetition(sequence, current_rule)
            elif char == "|":
                cur.pos += 1
                cur.skip_space(newline_ok=True)
                alternatives.append([])
                continue
            else:
                if stack:
                    raise GbnfError(f"expecting ')' at offset {cur.pos}")
                self._close(current_rule, alternatives)
                return
            cur.skip_space(newline_ok=bool(stack))

    def _symbol(self, char: str) -> _Element | None:
        """A literal, character class, any-char, token reference or rule name at the cursor."""
        start = self.cur.pos
        element = self._symbol_at(char)
        if element is not None and element.rule is None:
            element.key = self.cur.text[start : self.cur.pos]
        return element

    def _symbol_at(self, char: str) -> _Element | None:
        cur = self.cur
        if char == '"':
            cur.pos += 1
            ok = True
            while cur.peek() != '"':
                ok = _matchable(cur.char()) and ok
            cur.pos += 1
            return _Element(matchable=ok)
        if char == "[":
            return _Element(matchable=self._char_class())
        if char == ".":
            cur.pos += 1
            return _Element()
        if char in ("<", "!"):
            self._token_ref()
            return _Element()
        if char.isalnum() or char in ("-", "_"):
            return _Element(rule=cur.name())
        return None

    def _close(self, rule: str, alternatives: list[list[_Element]]) -> None:
        self.grammar.rules.setdefault(rule, []).extend(alternatives)
        self.grammar.alternatives += len(alternatives)
        if self.grammar.alternatives > self.limits.max_grammar_alternatives * 16:
            raise GbnfError(
                f"the grammar has more than {self.limits.max_grammar_alternatives * 16} "
                "alternatives in all"
            )

    def _char_class(self) -> bool:
        cur = self.cur
        cur.pos += 1
        negated = cur.peek() == "^"
        if negated:
            cur.pos += 1
        ranges: list[tuple[int, int]] = []
        while cur.peek() != "]":
            low = cur.char()
            high = low
            if cur.peek() == "-" and cur.peek(1) not in ("]", ""):
                cur.pos += 1
                high = cur.char()
            ranges.append((low, high))
        cur.pos += 1
        return _class_matchable(ranges, negated)

    def _token_ref(self) -> None:
        cur = self.cur
        if cur.peek() == "!":
            cur.pos += 1
        if cur.peek() != "<":
            raise GbnfError(f"expecting '<' at offset {cur.pos}")
        end = cur.text.find(">", cur.pos)
        if end < 0:
            raise GbnfError("unterminated token reference")
        cur.pos = end + 1

    def _repetition(self, sequence: list[_Element], rule: str) -> None:
        cur = self.cur
        if not sequence:
            raise GbnfError(f"expecting an item before the repetition at offset {cur.pos}")
        char = cur.peek()
        cur.pos += 1
        low, high = {"*": (0, None), "+": (1, None), "?": (0, 1)}.get(char, (0, 0))
        if char == "{":
            cur.skip_space(newline_ok=False)
            low = cur.integer()
            cur.skip_space(newline_ok=False)
            high = low
            if cur.peek() == ",":
                cur.pos += 1
                cur.skip_space(newline_ok=False)
                high = cur.integer() if cur.peek().isdigit() else None
                cur.skip_space(newline_ok=False)
            if cur.peek() != "}":
                raise GbnfError(f"expecting '}}' at offset {cur.pos}")
            cur.pos += 1
            count = max(low, high or 0)
            limit = self.limits.max_grammar_repetition
            if count > limit:
                raise GbnfError(f"repetition count {count} exceeds the limit of {limit}")
        # llama.cpp rewrites S{m,n} into m copies plus n-m optional rules, each one alternative
        # more; S* and S+ into one recursive rule.
        self.grammar.alternatives += 1 if high is None else max(high - low, 0)
        if low == 0:
            last = sequence[-1]
            sequence[-1] = _Element(last.rule, last.matchable, optional=True, key=last.key)
        if high == 0:
            sequence.pop()


def _widths(rules: dict[str, list[list[_Element]]]) -> dict[str, int]:
    """Alternatives that can start at one position of each rule (leftmost references expanded).

    Computed iteratively in post-order; a reference cycle (left recursion, refused by llama.cpp)
    counts its open rule as one.
    """
    widths: dict[str, int] = {}
    for root in rules:
        if root in widths:
            continue
        stack = [(root, False)]
        on_path: set[str] = set()
        while stack:
            name, expanded = stack.pop()
            if expanded:
                on_path.discard(name)
                total = 0
                for alternative in rules.get(name, ()):
                    first = alternative[0] if alternative else None
                    ref = first.rule if first is not None else None
                    total += widths.get(ref, 1) if ref is not None else 1
                widths[name] = total
                continue
            if name in widths or name in on_path:
                continue
            on_path.add(name)
            stack.append((name, True))
            for alternative in rules.get(name, ()):
                if alternative and alternative[0].rule is not None:
                    stack.append((alternative[0].rule, False))
    return widths


def _productive(rules: dict[str, list[list[_Element]]]) -> set[str]:
    """Rules that derive at least one finite text (worklist fixpoint)."""
    users: dict[str, set[str]] = defaultdict(set)
    for name, alternatives in rules.items():
        for alternative in alternatives:
            for element in alternative:
                if element.rule is not None:
                    users[element.rule].add(name)
    productive: set[str] = set()
    pending = list(rules)
    while pending:
        name = pending.pop()
        if name in productive:
            continue
        for alternative in rules[name]:
            if all(
                e.optional or (e.matchable if e.rule is None else e.rule in productive)
                for e in alternative
            ):
                productive.add(name)
                pending.extend(users[name])
                break
    return productive


def _reaches(rules: dict[str, list[list[_Element]]], start: str, target: str) -> bool:
    """Whether rule `start` refers, directly or not, to rule `target`."""
    seen = {start}
    pending = [start]
    while pending:
        for alternative in rules.get(pending.pop(), ()):
            for element in alternative:
                ref = element.rule
                if ref == target:
                    return True
                if ref is not None and ref not in seen:
                    seen.add(ref)
                    pending.append(ref)
    return False


def _ambiguous_recursion(rules: dict[str, list[list[_Element]]]) -> str | None:
    """A rule whose alternatives start alike and each recurse with text still to follow.

    llama.cpp's sampler keeps one stack per way of reading the output so far; such a rule
    multiplies the stacks at every level (`t ::= "a" t "b" | "a" t "c"` holds 2^n stacks after
    n characters), which stalls the engine thread for every caller.
    """
    for name, alternatives in rules.items():
        by_start: dict[str, int] = defaultdict(int)
        for alternative in alternatives:
            if len(alternative) < 2:
                continue
            first = alternative[0]
            inner = {e.rule for e in alternative[:-1] if e.rule is not None}
            if inner and any(ref == name or _reaches(rules, ref, name) for ref in inner):
                by_start[first.rule or first.key] += 1
        if any(count > 1 for count in by_start.values()):
            return name.split("#", 1)[0]
    return None


def check_gbnf(text: str, limits: Limits) -> None:
    """Raise `GbnfError` unless `text` is a grammar llama.cpp can take without harm."""
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > limits.max_grammar_bytes:
        raise GbnfError(f"grammar is {size} bytes, over the limit of {limits.max_grammar_bytes}")
    grammar = _Parser(text, limits).parse()
    if "root" not in grammar.defined:
        raise GbnfError("the grammar defines no `root` rule")
    for name, alternatives in grammar.rules.items():
        for alternative in alternatives:
            for element in alternative:
                if element.rule is None and not element.matchable:
                    where = name.split("#", 1)[0]
                    raise GbnfError(
                        f"rule {where!r} has a terminal that matches no character (an empty "
                        "character class, or NUL)"
                    )
                if element.rule is not None and element.rule not in grammar.rules:
                    raise GbnfError(f"rule {element.rule!r} is used but never defined")
    widest = max(_widths(grammar.rules).values(), default=0)
    if widest > limits.max_grammar_alternatives:
        raise GbnfError(
            f"{widest} alternatives can start at one position, over the limit of "
            f"{limits.max_grammar_alternatives}"
        )
    ambiguous = _ambiguous_recursion(grammar.rules)
    if ambiguous is not None:
        raise GbnfError(
            f"rule {ambiguous!r} has alternatives that start alike and recurse before their end; "
            "llama.cpp's grammar sampler would track exponentially many parses (factor the "
            'common start out: `t ::= "a" t ("b" | "c")`)'
        )
    if "root" not in _productive(grammar.rules):
        raise GbnfError("the grammar matches no finite text (every path of `root` recurses)")
