"""fakekube.go_yaml writes what Go's yaml.v3 writes for the same JSON value.

Every expected text below is the output of gnostic-models' ``compiler.Marshal`` (yaml.v3
with styles cleared) on the JSON value, captured from Go: the YAML kube-apiserver puts in
each OpenAPI v2 ``Any``, which kubectl parses back.
"""

from __future__ import annotations

from typing import Any

import pytest

from fakekube.go_yaml import marshal

# fmt: off
#: (a string, how yaml.v3 writes it as a sequence item)
SCALARS = [
    ('', '""'),
    ('1', '"1"'),
    ('true', '"true"'),
    ('yes', 'yes'),
    ('null', '"null"'),
    ('a: b', "'a: b'"),
    ('-x', '-x'),
    ('x #y', "'x #y'"),
    ('é', 'é'),
    (' s', "' s'"),
    ('1.5', '"1.5"'),
    ('0x1F', '"0x1F"'),
    ('~', '"~"'),
    ('on', 'on'),
    ('@a', "'@a'"),
    ('a,b', 'a,b'),
    ('[x', "'[x'"),
    ("a'b", "a'b"),
    ('tab\tx', '"tab\\tx"'),
    ('1e3', '"1e3"'),
    ('1_000', '"1_000"'),
    ('.inf', '".inf"'),
    ('2001-12-14', '"2001-12-14"'),
    ('Yes', 'Yes'),
    ('TRUE', '"TRUE"'),
    ('a:', "'a:'"),
    ('a:b', 'a:b'),
    ('?x', '?x'),
    ('? x', "'? x'"),
    ('-', "'-'"),
    ('x ', "'x '"),
    ('---x', "'---x'"),
    ('a\xa0b', 'a\xa0b'),
    ('\u2028', "'\u2028'"),
    ('\ufeff', '"\\uFEFF"'),
    ('a\rb', '"a\\rb"'),
    ('010', '"010"'),
    ('08', '"08"'),
    ('0o17', '"0o17"'),
    ('0b101', '"0b101"'),
    ('+1', '"+1"'),
    ('-1', '"-1"'),
    ('- x', "'- x'"),
    ('.5', '".5"'),
    ('1.', '"1."'),
    ('1e', '1e'),
    ('2001-12-14T21:59:43.10Z', '"2001-12-14T21:59:43.10Z"'),
    ('2001-12-14 21:59:43', '"2001-12-14 21:59:43"'),
    ('1:30', '1:30'),
    ('<<', '<<'),
    ('=', '='),
    ('!x', "'!x'"),
    ('%x', "'%x'"),
    ('&x', "'&x'"),
    ('*x', "'*x'"),
    ('|x', "'|x'"),
    ('>x', "'>x'"),
    ('`x', "'`x'"),
    ("'x", "'''x'"),
    ('"x', '\'"x\''),
    ('#x', "'#x'"),
    (',x', "',x'"),
    ('x,', 'x,'),
    (':x', ':x'),
    ('x:', "'x:'"),
    ('x: y', "'x: y'"),
    ('a #b', "'a #b'"),
    ('a#b', 'a#b'),
    ('...x', "'...x'"),
    ('..x', '..x'),
    ('1_2_3', '"1_2_3"'),
    ('0x_1', '"0x_1"'),
    ('NaN', 'NaN'),
    ('.NaN', '".NaN"'),
    ('-.Inf', '"-.Inf"'),
    ('+1.5e-3', '"+1.5e-3"'),
]
#: (a JSON value, yaml.v3's text)
BLOCKS: list[tuple[Any, str]] = [
    (
        [{'group': '', 'kind': 'ConfigMap', 'version': 'v1'}],
        '- group: ""\n'
        '  kind: ConfigMap\n'
        '  version: v1\n',
    ),
    (
        True,
        'true\n',
    ),
    (
        {'a': {'b': [1, 2, {'c': 'd', 'e': []}], 'f': {}}, 'g': [[1, 2], [3]]},
        'a:\n'
        '    b:\n'
        '        - 1\n'
        '        - 2\n'
        '        - c: d\n'
        '          e: []\n'
        '    f: {}\n'
        'g:\n'
        '    - - 1\n'
        '      - 2\n'
        '    - - 3\n',
    ),
    (
        {'': 1, '1': 2, 'k k': None, 'x': 1.5, 'y': -0.5},
        '"": 1\n'
        '"1": 2\n'
        'k k: null\n'
        'x: 1.5\n'
        'y: -0.5\n',
    ),
    (
        [{'a': {'b': 1}, 'c': [1]}],
        '- a:\n'
        '    b: 1\n'
        '  c:\n'
        '    - 1\n',
    ),
    (
        {'k': 'a\nb', 'm': {'k': 'a\nb'}, 's': ['a\nb'], 'n': {'s': ['x\ny']}},
        'k: |-\n'
        '    a\n'
        '    b\n'
        'm:\n'
        '    k: |-\n'
        '        a\n'
        '        b\n'
        's:\n'
        '    - |-\n'
        '      a\n'
        '      b\n'
        'n:\n'
        '    s:\n'
        '        - |-\n'
        '          x\n'
        '          y\n',
    ),
    (
        'a\nb',
        '|-\n'
        '    a\n'
        '    b\n',
    ),
    (
        ' lead\nx',
        '|4-\n'
        '     lead\n'
        '    x\n',
    ),
    (
        '\nx',
        '|4-\n'
        '\n'
        '    x\n',
    ),
    (
        {'k': ' lead\nx', 'j': '\nx', 'l': 'x\n\n'},
        'k: |4-\n'
        '     lead\n'
        '    x\n'
        'j: |4-\n'
        '\n'
        '    x\n'
        'l: |+\n'
        '    x\n'
        '\n',
    ),
    (
        ['\nx', ' a\nb'],
        '- |4-\n'
        '\n'
        '  x\n'
        '- |4-\n'
        '   a\n'
        '  b\n',
    ),
    (
        [[{'a': 1, 'b': 2}]],
        '- - a: 1\n'
        '    b: 2\n',
    ),
    (
        {'x-kubernetes-preserve-unknown-fields': True, 'n': [None, 1, -2, 0.25], 'e': {}, 'l': []},
        'x-kubernetes-preserve-unknown-fields: true\n'
        'n:\n'
        '    - null\n'
        '    - 1\n'
        '    - -2\n'
        '    - 0.25\n'
        'e: {}\n'
        'l: []\n',
    ),
    (
        [[], {}, [[]], [{}]],
        '- []\n'
        '- {}\n'
        '- - []\n'
        '- - {}\n',
    ),
    (
        {'a': [{'b': [{'c': {'d': 'e'}}]}]},
        'a:\n'
        '    - b:\n'
        '        - c:\n'
        '            d: e\n',
    ),
]
# fmt: on


@pytest.mark.parametrize(("text", "written"), SCALARS)
def test_a_string_is_quoted_only_where_yaml_v3_quotes_it(text: str, written: str) -> None:
    assert marshal([text]) == f"- {written}\n"


@pytest.mark.parametrize(("value", "written"), BLOCKS)
def test_collections_and_multiline_strings_are_laid_out_as_yaml_v3_does(
    value: Any, written: str
) -> None:
    assert marshal(value) == written
