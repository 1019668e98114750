"""The catalogue's own consistency checks and each bound of value checking, one at a time:
a catalogue that names a role nobody has or a value field no policy could compare is
refused when it is built, and each bad value is refused naming its field and reason."""

from __future__ import annotations

import pytest

from ledger.catalogue import (
    APPROVAL_HOOKS,
    CATALOGUE,
    Catalogue,
    ChainRule,
    CommandSpec,
    Field,
    Hooks,
    Kind,
    may_cause,
)
from ledger.catalogue.validation import check_value, check_values
from ledger.errors import InvalidInput

TEXT = Field("label", Kind.TEXT, "a label")


def command(name: str = "Frobnicate", *, roles: frozenset[str] = frozenset({"admin"}),
            hooks: Hooks | None = None, args: tuple[Field, ...] = (TEXT,)) -> CommandSpec:
    return CommandSpec(name=name, doc="d", group="g", roles=roles, chain=ChainRule.SYSTEM,
                       events=frozenset(), args=args, hooks=hooks or Hooks())


def refused(spec: Field, value: object, path: str = "v") -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        check_value(spec, value, path)
    return caught.value


def test_a_name_used_twice_is_refused() -> None:
    with pytest.raises(RuntimeError, match=r"catalogue names used twice: \['Frobnicate'\]"):
        Catalogue(commands=(command(), command()), reads=())


def test_an_unknown_role_is_refused() -> None:
    with pytest.raises(RuntimeError, match="Frobnicate names an unknown role 'wizard'"):
        Catalogue(commands=(command(roles=frozenset({"wizard"})),), reads=())


def test_a_value_field_needs_an_approval_hook() -> None:
    with pytest.raises(RuntimeError, match="names a value_field but no approval hook"):
        Catalogue(commands=(command(hooks=Hooks(value_field="label")),), reads=())


@pytest.mark.parametrize("args", [(TEXT,), (Field("flag", Kind.BOOLEAN, "f"),)])
def test_a_value_field_must_be_an_integer_or_text_argument(args: tuple[Field, ...]) -> None:
    hooks = Hooks(approval="value", value_field="flag")
    with pytest.raises(RuntimeError, match="value_field 'flag' is not an integer or text"):
        Catalogue(commands=(command(hooks=hooks, args=args),), reads=())


def test_a_well_formed_value_field_is_accepted() -> None:
    amount = Field("amount", Kind.INTEGER, "a")
    built = Catalogue(commands=(command(hooks=Hooks(approval="value", value_field="amount"),
                                        args=(amount,)),), reads=())
    assert built.command("Frobnicate").arg("amount") is amount


def test_lookups_name_what_is_missing() -> None:
    assert CATALOGUE.find("NoSuchThing") is None
    with pytest.raises(KeyError):
        CATALOGUE.command("NoSuchThing")
    with pytest.raises(KeyError):
        CATALOGUE.read("NoSuchThing")
    read = CATALOGUE.reads[0]
    assert CATALOGUE.read(read.name) is read and read.kind == "read"
    with pytest.raises(KeyError, match=f"{read.name} has no field 'nope'"):
        read.param("nope")
    with pytest.raises(KeyError, match="CreateKey has no field 'nope'"):
        CATALOGUE.command("CreateKey").arg("nope")


def test_optional_is_the_opposite_of_required() -> None:
    create = CATALOGUE.command("CreateKey")
    assert not create.arg("algorithm").optional()
    assert create.arg("label").optional()


def test_may_cause_knows_each_command_s_events_and_the_approval_ones() -> None:
    assert may_cause("CreateKey", "KeyGenerated")
    assert not may_cause("CreateKey", "KeyDestroyed")
    assert not may_cause("NoSuchCommand", "KeyGenerated")
    gated = sorted(APPROVAL_HOOKS)[0]
    assert may_cause(gated, "ApprovalRequested") and may_cause(gated, "ApprovalExecuted")
    ungated = next(s.name for s in CATALOGUE.client_commands()
                   if s.name not in APPROVAL_HOOKS)
    assert not may_cause(ungated, "ApprovalRequested")


def test_unknown_values_are_named() -> None:
    with pytest.raises(InvalidInput) as one:
        check_values((TEXT,), {"label": "x", "zz": 1})
    assert one.value.field == "zz" and one.value.message.startswith("unknown argument zz;")
    with pytest.raises(InvalidInput) as two:
        check_values((), {"b": 1, "a": 2}, what="field")
    assert two.value.field == "a"
    assert two.value.message == "unknown fields a, b; expected some of none"


def test_text_bounds() -> None:
    assert refused(TEXT, 5).message == "must be text"
    assert refused(TEXT, "").message == "required text is empty"
    short = Field("label", Kind.TEXT, "d", max_length=3)
    problem = refused(short, "abcd", "label")
    assert (problem.field, problem.message) == ("label", "longer than 3 characters")
    assert check_value(short, "abc", "label") == "abc"


def test_integer_bounds() -> None:
    number = Field("n", Kind.INTEGER, "d", minimum=1, maximum=9)
    assert refused(number, True).message == "must be a whole number"
    assert refused(number, 1.5).message == "must be a whole number"
    assert refused(number, 10).message == "must be a whole number from 1 to 9"
    assert check_value(number, 9, "n") == 9
    unbounded = Field("n", Kind.TIME, "d")
    assert refused(unbounded, 2**63).message == (
        f"must be a whole number from {-(2**63)} to {2**63 - 1}")


def test_boolean_and_choices() -> None:
    assert refused(Field("b", Kind.BOOLEAN, "d"), 1).message == "must be true or false"
    chosen = Field("c", Kind.TEXT, "d", choices=("a", "b"))
    assert refused(chosen, "z").message == "must be one of a, b"
    assert check_value(chosen, "b", "c") == "b"


def test_hex_bounds() -> None:
    hexes = Field("h", Kind.HEX, "d", maximum=2)
    assert refused(hexes, "abc").message == "not lower-case hexadecimal of whole bytes"
    assert refused(hexes, "aabbcc").message == "larger than 2 bytes"
    assert check_value(hexes, "aabb", "h") == "aabb"


def test_bytes_bounds() -> None:
    data = Field("d", Kind.BYTES, "d", maximum=2)
    assert refused(data, "ab").message == "must be bytes"
    assert refused(data, b"abc").message == "larger than 2 bytes"
    assert check_value(data, b"ab", "d") == b"ab"


def test_list_bounds() -> None:
    items = Field("l", Kind.LIST, "d", item=Field("x", Kind.INTEGER, "d"), minimum=1,
                  maximum=2)
    assert refused(items, "ab").message == "must be a list"
    assert refused(items, []).message == "must hold 1 to 2 items"
    assert refused(items, [1, 2, 3]).message == "must hold 1 to 2 items"
    unbounded = Field("l", Kind.LIST, "d", item=Field("x", Kind.INTEGER, "d"), minimum=1)
    assert refused(unbounded, []).message == "must hold 1 to any number of items"
    problem = refused(items, [1, "two"], "l")
    assert (problem.field, problem.message) == ("l[1]", "must be a whole number")
    assert check_value(items, (1, 2), "l") == [1, 2]


def test_a_list_with_chosen_or_nullable_items_is_checked_item_by_item() -> None:
    chosen = Field("l", Kind.LIST, "d", item=Field("x", Kind.TEXT, "d", choices=("a",)))
    assert refused(chosen, ["a", "b"], "l").field == "l[1]"
    nullable = Field("l", Kind.LIST, "d", item=Field("x", Kind.HEX, "d", size=1,
                                                     nullable=True))
    assert check_value(nullable, ["ab", None], "l") == ["ab", None]


def test_a_list_of_unlimited_bytes_passes_in_one_go() -> None:
    data = Field("l", Kind.LIST, "d", item=Field("x", Kind.BYTES, "d"))
    assert check_value(data, [b"a" * 10_000, bytearray(b"b")], "l") == [b"a" * 10_000,
                                                                          b"b"]


def test_an_object_names_its_inner_field() -> None:
    shaped = Field("who", Kind.OBJECT, "d", shape="Principal")
    assert refused(shaped, [1], shaped.name).message == "must be an object"
    problem = refused(shaped, {"no_such_field": 1}, shaped.name)
    assert problem.field == f"{shaped.name}.no_such_field"
    assert problem.message.startswith("unknown field no_such_field;")
    missing = refused(shaped, {"name": "n"}, shaped.name)
    assert (missing.field, missing.message) == ("who.actor_id", "required field is missing")
