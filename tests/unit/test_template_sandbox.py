"""A chat template from a hostile GGUF cannot read files, import modules or hold the server."""

from __future__ import annotations

import time

import pytest

from ggserve.templates import ChatTemplate, TemplateError

USER = [{"role": "user", "content": "Hi"}]
TIME_LIMIT = 0.5

# Each template tries one escape. Rendering either fails with TemplateError or renders nothing of
# what it was after (the sandbox turns unsafe attributes into undefined values); it never raises
# anything else and never takes much longer than the time limit.
HOSTILE = {
    "read a file via open": "{{ open('/etc/passwd').read() }}",
    "read a file via subclasses": (
        "{% for c in ''.__class__.__mro__[1].__subclasses__() %}"
        "{% if c.__name__ == 'FileIO' %}{{ c('/etc/passwd').read() }}{% endif %}{% endfor %}"
    ),
    "import via globals": "{{ raise_exception.__globals__['__builtins__']['__import__']('os') }}",
    "import via cycler": "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "format escape": "{{ '{0.__class__.__mro__}'.format('') }}",
    "attr filter escape": "{{ ''|attr('__class__')|attr('__mro__') }}",
    "loop forever": (
        "{% for a in range(100000) %}{% for b in range(100000) %}{% for c in range(100000) %}"
        "{% endfor %}{% endfor %}{% endfor %}"
    ),
    "recurse forever": "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
    "huge string": "{{ 'x' * 10000000000 }}",
    "huge power": "{{ 7 ** 99999999999 }}",
    "huge printf width": "{{ '%999999999999d' % 1 }}",
    "doubling string": (
        "{% set ns = namespace(s='xxxxxxxx') %}{% for i in range(60) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}"
    ),
    "endless output": (
        "{% for a in range(100000) %}{% for b in range(100000) %}xxxxxxxxxxxxxxxx"
        "{% endfor %}{% endfor %}"
    ),
}


LEAKS = ("root:", "uid=", "<class", "<module", "FileIO", "subprocess")


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_template_is_contained_in_time(name: str) -> None:
    # The probes at construction render too: a hostile template may fail there already, or
    # render the probe conversations and fail (or render harmlessly) on the request.
    started = time.monotonic()
    try:
        text = ChatTemplate(HOSTILE[name], render_seconds=TIME_LIMIT).render(USER).text
    except TemplateError:
        text = ""
    assert not any(leak in text for leak in LEAKS), text[:200]
    assert len(text) < 1000
    # Construction probes twice, then the render: three bounded renders at most.
    assert time.monotonic() - started < 4 * TIME_LIMIT + 2.0


@pytest.mark.parametrize("name", ["loop forever", "recurse forever", "huge string", "huge power"])
def test_runaway_template_raises(name: str) -> None:
    with pytest.raises(TemplateError):
        ChatTemplate(HOSTILE[name], render_seconds=TIME_LIMIT).render(USER)


def test_a_normal_template_still_renders() -> None:
    template = ChatTemplate(
        "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}"
        "{% if add_generation_prompt %}<assistant>{% endif %}",
        render_seconds=TIME_LIMIT,
    )
    assert template.render(USER).text == "<user>Hi<assistant>"
