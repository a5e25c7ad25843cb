"""Every plan parameter is named in Chinese in the meeting material and the print preview (a new
field once showed its English name there: 'accept', 'removed')."""

from __future__ import annotations

import pytest

from queries.plan import PairingParams, PlanParams
from queries.plan_export import PARAM_ZH, param_lines


@pytest.mark.parametrize("model", [PlanParams, PairingParams])
def test_every_parameter_has_a_chinese_name(model: type) -> None:
    missing = sorted(set(model.model_fields) - set(PARAM_ZH))
    assert missing == []
    labels = [k for k, _ in param_lines(model().model_dump(mode="json"))]
    assert all(not k.isascii() for k in labels), labels
