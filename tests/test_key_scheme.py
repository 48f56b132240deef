"""The key scheme and the Lua scripts each live in one module: nothing else spells them.

``bot/store/keys.py`` names every Redis key, ``bot/store/scripts.py`` holds every Lua
script; a key or a script written anywhere else would be missing from their docstrings.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"
KEYS = BOT / "store" / "keys.py"
SCRIPTS = BOT / "store" / "scripts.py"


def _strings(path: Path) -> list[tuple[int, str]]:
    """Every string constant of a module, f-string parts included, with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append((node.lineno, node.value))
    return found


def _modules() -> list[Path]:
    return sorted(p for p in BOT.rglob("*.py") if p not in (KEYS, SCRIPTS))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(BOT)))
def test_no_module_but_the_scheme_spells_a_key_or_a_script(path: Path) -> None:
    for line, text in _strings(path):
        # A message says "storymap: ..."; a key is "storymap:<something>".
        is_key = text.startswith("storymap:") and not text.startswith("storymap: ")
        assert not is_key, f"{path.name}:{line} spells a key; name it in bot/store/keys.py"
        assert "redis.call(" not in text, f"{path.name}:{line} holds Lua; move it to scripts.py"


def test_the_scheme_modules_do_spell_them() -> None:
    """The check above looks for the right things: they are where they belong."""
    assert any(t.startswith("storymap:{") for _, t in _strings(KEYS))
    assert sum("redis.call(" in t for _, t in _strings(SCRIPTS)) >= 10
