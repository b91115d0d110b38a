"""The app's URL rules compile their builders on first use (app/routing.py) and build exactly the
URLs werkzeug's own rules build."""
from __future__ import annotations

import threading
from datetime import date

from werkzeug.routing import AnyConverter, IntegerConverter, Map, PathConverter, Rule

from app.api.blueprint import IsoDateConverter
from app.routing import LazyBuildRule


def _sample(converter):
    """A value each kind of URL argument takes (text with characters a URL must quote)."""
    if isinstance(converter, AnyConverter):
        return min(converter.items)
    if isinstance(converter, IntegerConverter):
        return 7
    if isinstance(converter, IsoDateConverter):
        return date(2026, 12, 3)
    return "批准 a/b?c%d" if isinstance(converter, PathConverter) else "批准 a b?c"


def _values(rule) -> dict:
    return {name: _sample(converter) for name, converter in rule._converters.items()}


def test_every_rule_of_the_app_builds_the_url_werkzeugs_own_rule_builds(app):
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 250
    # (all but Flask's static files rule, added as the app is made, before the factory chooses)
    assert all(type(rule) is LazyBuildRule for rule in rules if rule.endpoint != "static")
    eager = Map([Rule(rule.rule, endpoint=rule.endpoint, defaults=rule.defaults, methods=rule.methods)
                 for rule in rules], converters=app.url_map.converters).bind("localhost")
    lazy = app.url_map.bind("localhost")
    for rule in rules:
        for extra in ({}, {"next": "/inbox?a=1", "page": 2}):  # unknown values go to the query string
            values = {**_values(rule), **extra}
            assert lazy.build(rule.endpoint, values, method=sorted(rule.methods)[0]) == \
                eager.build(rule.endpoint, values, method=sorted(rule.methods)[0]), rule.rule


def test_a_builder_is_compiled_when_first_used_and_kept():
    rule = LazyBuildRule("/projects/<int:project_id>/files/<path:name>", endpoint="file")
    urls = Map([rule]).bind("localhost")
    assert rule._build_unknown.__name__ == "build_first" and rule._build.__name__ == "build_first"
    assert urls.build("file", {"project_id": 3, "name": "a b/c"}) == "/projects/3/files/a%20b/c"
    compiled = rule._build_unknown
    assert compiled.__name__ != "build_first" and rule._build.__name__ == "build_first"
    assert urls.build("file", {"project_id": 4, "name": "d", "x": "1"}) == "/projects/4/files/d?x=1"
    assert rule._build_unknown is compiled  # kept, not compiled again
    assert urls.build("file", {"project_id": 4, "name": "d"}, append_unknown=False) == "/projects/4/files/d"


def test_threads_building_a_url_with_a_fresh_rule_at_once_all_get_it():
    rule = LazyBuildRule("/applications/<int:id>", endpoint="application")
    urls = Map([rule]).bind("localhost")
    start, built = threading.Barrier(8), []

    def build(n):
        start.wait()
        built.append(urls.build("application", {"id": n}))

    threads = [threading.Thread(target=build, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(built) == sorted(f"/applications/{n}" for n in range(8))
