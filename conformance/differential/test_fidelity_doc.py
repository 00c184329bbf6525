"""The corpus and the allowlist are well-formed, and docs/fidelity.md says what they say.

These need no reference server: they keep the documentation honest between runs of the
differential suite (which checks that each allowlisted difference still occurs).
"""

from __future__ import annotations

from conformance.differential import allowlist, catalog


def test_the_corpus_has_at_least_150_scenarios_with_unique_ids() -> None:
    scenarios = catalog.all_scenarios()
    assert len(scenarios) >= 150
    assert len({s.id for s in scenarios}) == len(scenarios)
    assert all(s.steps and s.title for s in scenarios)


def test_every_allowlist_entry_names_a_scenario_and_says_what_and_why() -> None:
    ids = {s.id for s in catalog.all_scenarios()}
    for entry in allowlist.load():
        assert entry.scenario in ids, entry.scenario
        assert entry.paths and entry.what and entry.why, entry.scenario


def test_fidelity_doc_is_rendered_from_the_allowlist() -> None:
    expected = allowlist.render(allowlist.load(), len(catalog.all_scenarios()))
    assert allowlist.DOC.read_text() == expected, "run scripts/render-fidelity"
