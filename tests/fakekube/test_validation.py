"""Label and annotation syntax, worded as apimachinery's IsLabelKey / IsValidLabelValue."""

from __future__ import annotations

import pytest

from fakekube.errors import Invalid
from fakekube.validation import label_key_errors, label_value_errors, validate_metadata


@pytest.mark.parametrize("key", ["app", "example.com/app", "a.b_c-D", "x" * 63])
def test_valid_label_keys_have_no_errors(key: str) -> None:
    assert label_key_errors(key) == []


def test_label_key_with_two_slashes_is_one_error() -> None:
    (err,) = label_key_errors("a/b/c")
    assert err.startswith("a valid label key must consist of alphanumeric characters")
    assert err.endswith("with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')")


def test_label_key_parts_are_checked_separately() -> None:
    assert label_key_errors("/x") == ["prefix part must be non-empty"]
    errs = label_key_errors("Bad_Prefix/" + "n" * 64)
    assert errs[0].startswith("prefix part a lowercase RFC 1123 subdomain")
    assert errs[1] == "name part must be no more than 63 bytes"  # content.MaxLenError, 1.35


def test_label_values_may_be_empty_but_not_spaced() -> None:
    assert label_value_errors("") == []
    (err,) = label_value_errors("not valid")
    assert err.startswith("a valid label must be an empty string or consist of alphanumeric")


def test_bad_label_and_annotation_are_invalid_with_one_cause_each() -> None:
    obj = {
        "metadata": {
            "name": "a",
            "namespace": "default",
            "labels": {"k": "not valid"},
            "annotations": {"bad key": "v"},
        }
    }
    with pytest.raises(Invalid) as err:
        validate_metadata("ConfigMap", "", obj, namespaced=True)
    causes = err.value.causes
    assert [(c.field, c.reason) for c in causes] == [
        ("metadata.labels", "FieldValueInvalid"),
        ("metadata.annotations", "FieldValueInvalid"),
    ]
    assert causes[0].message.startswith('Invalid value: "not valid": a valid label must')
    assert causes[1].message.startswith('Invalid value: "bad key": name part must consist')


def test_configmap_keys_and_total_size_are_validated() -> None:
    obj = {
        "metadata": {"name": "a", "namespace": "default"},
        "data": {"x/y": "1", "big": "x" * (1024 * 1024)},
    }
    with pytest.raises(Invalid) as err:
        validate_metadata("ConfigMap", "", obj, namespaced=True)
    fields = [(c.field, c.reason) for c in err.value.causes]
    assert fields == [("data[x/y]", "FieldValueInvalid"), ("[]", "FieldValueTooLong")]
    assert err.value.causes[1].message == "Too long: may not be more than 1048576 bytes"
