"""The documentation: every runnable sample runs offline, and the reference matches the code."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

import ipwhitelist
import reference_docs

DOCS = Path(__file__).resolve().parent.parent / "docs"
# Samples that need a real key, the network or a name defined elsewhere on the page
# start with this marker and say why, for readers; test_docs_offline.py runs them.
NO_RUN = "# doc: no-run"

# A fenced ```python block, possibly indented (inside a list or an admonition).
_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```python[^\n]*\n(?P<code>.*?)^(?P=indent)```[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
# Table cells are separated by pipes outside code spans (patterns contain "|").
_CELL = re.compile(r"(?:`[^`]*`|[^|`])+")


def python_blocks() -> list[tuple[str, str]]:
    """Return (id, code) for every ```python block under docs/, ids like 'tutorial.md:120'."""
    blocks = []
    for path in sorted(DOCS.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        for match in _FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            code = textwrap.dedent(match.group("code"))
            blocks.append((f"{path.relative_to(DOCS).as_posix()}:{line}", code))
    return blocks


BLOCKS = python_blocks()
RUNNABLE = [(name, code) for name, code in BLOCKS if not code.startswith(NO_RUN)]


def table_rows(text: str) -> dict[str, list[str]]:
    """Map the first cell (a rule name in backticks) of each table row to the row's cells."""
    rows = {}
    for line in text.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [cell.strip() for cell in _CELL.findall(line.strip().strip("|"))]
        rows[cells[0].strip("`")] = cells
    return rows


def code_cell(value: object) -> str:
    """How the rules table shows a condition: in backticks, or an en dash when unset."""
    return "\N{EN DASH}" if value is None else f"`{value}`"


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch):
    """No sample may ask the internet for the egress IP, or leave user rules behind."""
    monkeypatch.setenv("IPWHITELIST_EGRESS", "off")
    before = {rule.name for rule in ipwhitelist.rules()}
    yield
    for rule in ipwhitelist.rules():
        if rule.name not in before:
            ipwhitelist.unregister_rule(rule.name)


@pytest.mark.parametrize(("name", "code"), RUNNABLE, ids=[name for name, _ in RUNNABLE])
def test_sample_runs(offline, name, code):
    """A runnable ```python sample in docs/ runs to completion, offline, in a fresh namespace."""
    exec(compile(code, name, "exec"), {"__name__": "__docs__"})  # noqa: S102 - our own docs


def test_samples_found():
    """The extraction finds runnable samples and leaves the no-run ones to test_docs_offline.py."""
    names = {name.split(":")[0] for name, _ in RUNNABLE}

    assert {"tutorial.md", "how-to/async-and-pro.md", "how-to/custom-rules.md"} <= names
    assert len(RUNNABLE) < len(BLOCKS)


@pytest.mark.parametrize("page", sorted(reference_docs.PAGES))
def test_generated_reference_is_current(page):
    """rules.md and exchanges.md show the rule tables and limits as they are in the code."""
    text = (DOCS / "reference" / page).read_text(encoding="utf-8")
    _, generated, _ = reference_docs.split(text, page)

    assert reference_docs.expected(page) == generated, (
        f"docs/reference/{page} is stale: run `make reference`"
    )


def test_rules_table_has_every_rule():
    """docs/reference/rules.md has one row per rule, with the rule's current data."""
    rows = table_rows((DOCS / "reference" / "rules.md").read_text(encoding="utf-8"))

    for rule in ipwhitelist.rules():
        assert rule.name in rows, f"{rule.name} is missing from docs/reference/rules.md"
        pattern = rule.message.pattern if rule.message is not None else None
        expected = [
            f"`{rule.name}`",
            f"`{rule.exchange}`",
            code_cell(rule.code),
            code_cell(rule.http_status),
            code_cell(pattern),
            f"`{rule.kind}`",
            f"`{rule.confidence}`",
        ]
        assert expected == rows[rule.name][:7], rule.name
        assert f"]({rule.source})" in rows[rule.name][7], rule.name
    assert set() == set(rows) - {rule.name for rule in ipwhitelist.rules()}


def test_link_labels():
    """Source links get short labels: repo#N for threads, host/page for documentation."""
    label = reference_docs.link_label

    assert "ccxt#16044" == label("https://github.com/ccxt/ccxt/issues/16044")
    assert "passivbot#1397" == label("https://github.com/enarjord/passivbot/pull/1397")
    assert "docs@3e46556" == label("https://github.com/bybit-exchange/docs/commit/3e465563ac4")
    assert "ccxt: kucoin.py" == label(
        "https://github.com/ccxt/ccxt/blob/master/python/ccxt/kucoin.py"
    )
    assert "okx.com#error-code" == label("https://www.okx.com/docs-v5/en/#error-code")
    assert "rfc-editor.org/rfc7725" == label("https://www.rfc-editor.org/rfc/rfc7725")
    assert "example.com" == label("https://example.com")


def test_api_reference_covers_all():
    """docs/reference/api.md renders every public name, the exceptions via ipwhitelist.errors."""
    text = (DOCS / "reference" / "api.md").read_text(encoding="utf-8")
    rendered = set(re.findall(r"^::: ipwhitelist\.(\w+)$", text, re.MULTILINE))

    assert "errors" in rendered
    missing = {
        name
        for name in ipwhitelist.__all__
        if name not in rendered and name not in ipwhitelist.errors.__all__
    }
    assert set() == missing


def _demo_lines(text: str) -> list[str]:
    """Demo output without what varies by run and machine: ports and environment hints."""
    lines = []
    skip_fix = False
    for line in text.strip().splitlines():
        if "environment:" in line:
            skip_fix = True
            continue
        if skip_fix and "->" in line:
            continue
        skip_fix = False
        lines.append(re.sub(r":\d{2,5}\b", ":PORT", line.rstrip()))
    return lines


def test_tutorial_shows_the_demo_as_it_runs():
    """The demo output quoted in the tutorial is what `ipwhitelist demo --no-color` prints."""
    import io

    from ipwhitelist._cli.demo import run

    out = io.StringIO()
    assert 0 == run(out, color=False)
    tutorial = (DOCS / "tutorial.md").read_text(encoding="utf-8")
    quoted = tutorial.split("```text\n", 1)[1].split("```", 1)[0]

    assert _demo_lines(quoted) == _demo_lines(out.getvalue())
