"""grammar.lark stays inside the Lark subset LLGuidance accepts, and Lark builds an LALR parser.

The same file is the parser's grammar and the constraint for LLM output, so it must satisfy both:
no %declare, no %import other than %import common.X, no lookarounds, no lazy quantifiers, no
terminal or rule priorities, no templates.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import lark
import pytest

from dsl.parse import grammar_text

ROOT = Path(__file__).resolve().parents[1]
GRAMMAR = ROOT / "grammar.lark"

# Lark grammar lexemes: comments, "strings"i, /regexes/flags, and everything else one char at a
# time. Comments are `//` or `#` to the end of the line (outside strings and regexes).
_LEXEME = re.compile(
    r"""(?P<comment>(?://|\#)[^\n]*)
      | (?P<string>"(?:[^"\\\n]|\\.)*"i?)
      | (?P<regex>/(?!/)(?:[^/\\\n]|\\.)+/[imslux]*)
      | (?P<other>[^"/\#]+|.)""",
    re.VERBOSE,
)


def _split(text: str) -> tuple[list[str], list[str], str]:
    """(string literals, regex bodies, the code with comments, strings and regexes removed)."""
    strings: list[str] = []
    regexes: list[str] = []
    code: list[str] = []
    for m in _LEXEME.finditer(text):
        if m.group("string"):
            strings.append(m.group("string"))
            code.append(" STR ")
        elif m.group("regex"):
            regexes.append(m.group("regex")[1:].rsplit("/", 1)[0])
            code.append(" RE ")
        elif m.group("other"):
            code.append(m.group("other"))
    return strings, regexes, "".join(code)


def _unescaped(regex: str) -> str:
    """The regex with every escaped character (`\\?`, `\\*`, ...) replaced by a plain `x`."""
    return re.sub(r"\\.", "x", regex)


@pytest.fixture(scope="module")
def text() -> str:
    return GRAMMAR.read_text(encoding="utf-8")


def test_packaged_grammar_is_the_repository_grammar(text: str) -> None:
    assert grammar_text().encode("utf-8") == GRAMMAR.read_bytes()
    assert (ROOT / "dsl" / "grammar.lark").read_bytes() == GRAMMAR.read_bytes()


def test_llguidance_accepts_without_warnings(text: str) -> None:
    llguidance = pytest.importorskip("llguidance")
    is_error, warnings = llguidance.LLMatcher.validate_grammar_with_warnings(
        llguidance.grammar_from("lark", text)
    )
    assert not is_error, warnings
    assert warnings == []


def test_llguidance_check_is_not_vacuous() -> None:
    """The validator does reject what the textual checks below forbid."""
    llguidance = pytest.importorskip("llguidance")
    for bad in ["start: /a(?=b)/", 'start: A\nA.2: "a"', "start: NAME\n%declare NAME"]:
        is_error, _ = llguidance.LLMatcher.validate_grammar_with_warnings(
            llguidance.grammar_from("lark", bad)
        )
        assert is_error, bad


def test_no_declare_and_only_common_imports(text: str) -> None:
    _, _, code = _split(text)
    assert "%declare" not in code
    directives = re.findall(r"^\s*(%\w+.*)$", code, re.MULTILINE)
    for d in directives:
        assert re.fullmatch(r"%import common\.[A-Z_]+|%ignore \w+", d.strip()), d
    assert "%import common.WS" in directives


def test_no_lookarounds_or_lazy_quantifiers(text: str) -> None:
    _, regexes, _ = _split(text)
    assert regexes, "the scanner found no regexes: it is broken"
    for rx in regexes:
        plain = _unescaped(rx)
        for look in ("(?=", "(?!", "(?<=", "(?<!"):
            assert look not in plain, f"lookaround {look} in /{rx}/"
        for lazy in ("*?", "+?", "??", "}?"):
            assert lazy not in plain, f"lazy quantifier {lazy} in /{rx}/"
        re.compile(rx)  # and each is a valid Python regex


def test_hole_token_is_a_string_not_a_regex(text: str) -> None:
    strings, _, _ = _split(text)
    assert '"??"' in strings


def test_no_priorities_or_templates(text: str) -> None:
    _, _, code = _split(text)
    # NAME.2: ... or rule.2: ... (a priority), and name{params}: ... (a template) are out.
    assert not re.search(r"^\s*[?!]?\w+\.-?\d+\s*:", code, re.MULTILINE)
    # Every `{` / `}` of the grammar is inside a string literal, so none is left in the code.
    assert "{" not in code and "}" not in code


def test_scanner_sees_what_it_should() -> None:
    strings, regexes, code = _split(
        'a: "//" b /x\\/y/i // comment "c"\n# other comment\nB.2: "{"\n%declare C\n'
    )
    assert strings == ['"//"', '"{"']
    assert regexes == ["x\\/y"]
    assert "comment" not in code and "B.2:" in code and "%declare C" in code


def test_lark_builds_lalr(text: str, caplog: pytest.LogCaptureFixture) -> None:
    parser = lark.Lark(text, parser="lalr", lexer="contextual", propagate_positions=True)
    assert parser.parse("enum K { a }\n").data == "start"
    # Lark resolves shift/reduce conflicts as shifts and logs them; the only ones are after a
    # bare `??` before `{` (`??{...}`) or `:` (`??: type`), which the printer has to avoid.
    lark_logger = logging.getLogger("lark")
    with caplog.at_level(logging.DEBUG, logger="lark"):
        old = lark_logger.level
        lark_logger.setLevel(logging.DEBUG)
        try:
            lark.Lark(text, parser="lalr", debug=True, cache=False)
        finally:
            lark_logger.setLevel(old)
    conflicts = {
        r.getMessage().split(" for terminal ")[1].split(":")[0]
        for r in caplog.records
        if "Shift/Reduce conflict" in r.getMessage()
    }
    assert conflicts <= {"LBRACE", "COLON"}, conflicts
    assert not [r for r in caplog.records if "Reduce/Reduce" in r.getMessage()]


# vLLM's Lark-to-GBNF converter (vllm/model_executor/guided_decoding/utils.py, used with
# xgrammar) strips comments line by line with exactly this substitution, strings and regexes
# included: a `//` or `#` inside a literal would cut the rule short.
_VLLM_CLEAN_LINE = re.compile(r"(#|//).*$")


def test_vllm_comment_stripping_only_removes_comments(text: str) -> None:
    for lineno, line in enumerate(text.splitlines(), start=1):
        comment = next((m for m in _LEXEME.finditer(line) if m.group("comment")), None)
        real = line[: comment.start()] if comment else line
        assert _VLLM_CLEAN_LINE.sub("", line) == real, f"grammar.lark:{lineno}: {line}"


def test_vllm_stripping_check_is_not_vacuous() -> None:
    for bad in ['a: b "//" c', "C: /#[^\\n]*/"]:
        comment = next((m for m in _LEXEME.finditer(bad) if m.group("comment")), None)
        assert comment is None and _VLLM_CLEAN_LINE.sub("", bad) != bad, bad


class _ByteTokenizer:
    """One token per byte (plus an end token): LLGuidance matches the text byte by byte."""

    def __init__(self) -> None:
        self.eos_token_id = 256
        self.bos_token_id = None
        self.tokens = [bytes([i]) for i in range(256)] + [b"<eos>"]
        self.special_token_ids = [256]

    def __call__(self, s: bytes | str) -> list[int]:
        return list(s if isinstance(s, bytes) else s.encode("utf-8"))


def _llguidance_accepts(text: str, program: str) -> bool:
    llguidance = pytest.importorskip("llguidance", reason="llguidance is a dev dependency")
    tokenizer = llguidance.LLTokenizer(llguidance.TokenizerWrapper(_ByteTokenizer()))
    matcher = llguidance.LLMatcher(tokenizer, llguidance.grammar_from("lark", text))
    assert not matcher.is_error(), matcher.get_error()
    ok = matcher.consume_tokens(list(program.encode("utf-8")))
    return bool(ok and matcher.is_accepting() and not matcher.is_error())


@pytest.mark.parametrize("model", sorted((ROOT / "models").glob("*.wc")), ids=lambda p: p.name)
def test_llguidance_accepts_every_model_file(text: str, model: Path) -> None:
    assert _llguidance_accepts(text, model.read_text(encoding="utf-8"))


def test_llguidance_reads_floor_division_and_comments_as_lark_does(text: str) -> None:
    good = "def half(n: int) -> int = n // 2  # floor division\n"
    assert _llguidance_accepts(text, good)
    assert not _llguidance_accepts(text, "def half(n: int) -> int = n / / 2\n")
    assert not _llguidance_accepts(text, "def half(n: int) -> int = n x2f 2\n")
