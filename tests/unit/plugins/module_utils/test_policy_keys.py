"""policy_keys.py: the shipped key tree of a policy group's ``policies`` is the tree of the SDK's ``Policies`` model
and its nested models (derived here from their ``openapi_types``/``attribute_map``), and every choice listed for a
text key is a value the SDK model's description names."""

import pytest
from huaweicloudsdkworkspaceapp.v1 import model as sdk

from ansible_collections.huaweicloud.workspace_app.plugins.module_utils import policy_keys
from ansible_collections.huaweicloud.workspace_app.plugins.module_utils.fields import flat

LEAVES = {"bool": policy_keys.BOOL, "int": policy_keys.INT, "str": policy_keys.STR}


def sdk_tree(model_name):
    """key -> nested tree or leaf type, from the SDK model's attributes (the wire names of ``attribute_map``)."""
    model = getattr(sdk, model_name)
    tree = {}
    for attribute, kind in model.openapi_types.items():
        key = model.attribute_map[attribute]
        if kind in LEAVES:
            tree[key] = LEAVES[kind]
        else:
            assert hasattr(sdk, kind), "%s.%s: %s is neither a leaf type nor a model" % (model_name, attribute, kind)
            tree[key] = sdk_tree(kind)
    return tree


def sdk_model_of(path):
    """The SDK model class holding the leaf at ``path`` ("a.b.c") and the leaf's attribute name."""
    model = sdk.Policies
    keys = path.split(".")
    for key in keys[:-1]:
        attribute = dict((wire, name) for name, wire in model.attribute_map.items())[key]
        model = getattr(sdk, model.openapi_types[attribute])
    attribute = dict((wire, name) for name, wire in model.attribute_map.items())[keys[-1]]
    return model, attribute


def test_the_shipped_tree_is_the_sdk_models_tree():
    from_sdk = sdk_tree("Policies")
    shipped = policy_keys.TREE
    missing = sorted(set(flat(from_sdk)) - set(flat(shipped)))
    extra = sorted(set(flat(shipped)) - set(flat(from_sdk)))
    assert shipped == from_sdk, "missing %s, extra %s" % (missing, extra)
    assert len(flat(shipped)) > 250  # the whole model, not a part of it


@pytest.mark.parametrize("path", sorted(policy_keys.CHOICES))
def test_each_choice_is_a_text_key_whose_sdk_description_names_every_value(path):
    model, attribute = sdk_model_of(path)
    assert model.openapi_types[attribute] == "str"
    description = getattr(model, attribute).__doc__
    for value in policy_keys.CHOICES[path]:
        assert value in description, "%s: %r is not in the SDK's description %r" % (path, value, description)


def test_check_policies_normalizes_and_refuses():
    checked = policy_keys.check_policies({"client": {"session_persistence_time": "60", "forbid_screen_capture": "yes",
                                                     "automatic_reconnection_interval": None}})
    assert checked == {"client": {"session_persistence_time": 60, "forbid_screen_capture": True}}
    with pytest.raises(ValueError) as exc:
        policy_keys.check_policies({"display": {"options": {"fps": 30}}})
    assert str(exc.value).startswith("policies.display.options.fps: unknown key; allowed keys at "
                                     "policies.display.options are color_enhancement_enable, ")
    with pytest.raises(ValueError) as exc:
        policy_keys.check_policies({"client": {"session_persistence_time": True}})
    assert str(exc.value) == "policies.client.session_persistence_time: True is not an integer"


def test_policy_changes_compare_only_the_leaves_set_and_the_body_sends_touched_sections_whole():
    current = {"client": {"forbid_screen_capture": False, "session_persistence_time": 180},
               "audio": {"audio_redirection_enable": True}}
    assert policy_keys.policy_changes(current, {"client": {"session_persistence_time": 180}}) == ({}, {})
    wanted = {"client": {"forbid_screen_capture": True},
              "session": {"sbc": {"sbc_automatic_disconnection": "AUTO_LOCK"}}}
    before, after = policy_keys.policy_changes(current, wanted)
    assert before == {"client.forbid_screen_capture": False, "session.sbc.sbc_automatic_disconnection": None}
    assert after == {"client.forbid_screen_capture": True, "session.sbc.sbc_automatic_disconnection": "AUTO_LOCK"}
    assert policy_keys.policy_body(current, after) == {
        "client": {"forbid_screen_capture": True, "session_persistence_time": 180},
        "session": {"sbc": {"sbc_automatic_disconnection": "AUTO_LOCK"}}}
