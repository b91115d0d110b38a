"""URL rules that compile their URL builders when a URL is first built from them."""
from __future__ import annotations

from werkzeug.routing import Rule


class LazyBuildRule(Rule):
    """werkzeug writes and compiles two URL builders (generated Python) for every rule as it is
    added: for our ~280 rules that was ~85% of ``create_app``, paid by every web and job worker,
    every ``flask`` command and every test, though a process builds URLs from few of its rules.
    A rule of this class compiles a builder the first time a URL is built with it, with
    werkzeug's own code, and keeps it; matching requests is unchanged (``app.url_rule_class``)."""

    def _compile_builder(self, append_unknown: bool = True):
        attribute = "_build_unknown" if append_unknown else "_build"

        def build_first(rule: Rule, **values):
            compiled = Rule._compile_builder(rule, append_unknown).__get__(rule, None)
            setattr(rule, attribute, compiled)  # (two threads racing here compile the same code)
            return compiled(**values)

        return build_first
