"""Schema evolution: the rules of ``docs/schema-compatibility.md``, proven and enforced.

Two halves. The first writes synthetic v2 schemas into a temporary folder and shows that
old readers read new events and new readers read old ones (defaults applied), through
the real codec. The second lints every ``.avsc`` in the repository: parses, documented,
named after its file, no maps, pinned once released, and adjacent versions mutually
compatible according to :func:`check_pair`.
"""

from __future__ import annotations

import copy
import hashlib
import io
import itertools
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from fastavro import schemaless_writer

from ledger import events
from ledger.errors import ConfigurationError, VerificationError
from ledger.events import EventCodec
from tests.events.schema_samples import sample_value

REPO_SCHEMAS = events.schemas_dir()
FILE_NAME = re.compile(r"^(_?)([A-Z][A-Za-z0-9]*)\.v([1-9][0-9]*)\.avsc$")

# Wire fingerprints (schema JSON without docs, sorted, compact; SHA-256) of released
# schema files. Released files never change: add a new version instead. A file missing
# here is not released yet; add its fingerprint when it ships.
RELEASED = {
    "SignatureBatchIssued.v1.avsc":
        "50e59b663e699f6f2dfa21e145e0cdcaf1b50c70e582a8e1d7368905e414d083",
    "ActorRegistered.v1.avsc":
        "48f6c21dcba89811dd2afe58fc8a75129110e8ca539681af6e14bf9fa86776c3",
    "ActorRevoked.v1.avsc":
        "597e913ef7a066ea27c03f2e09cfc042a206cde318567040d53ae756a6dc014f",
    "ActorRolesChanged.v1.avsc":
        "bdefcd781c814ef396fe8c4daef4fde8f7011aec2601831add3e9f6905c7a680",
    "CheckpointPublished.v1.avsc":
        "9ab99bd86ee50f84f54286cbef2fdf977acf82c2d533a5c312b30ea0ddf05545",
    "CommandRejected.v1.avsc":
        "3e053c36b632f981ac99bd5797e4f759b776e3a32d36a3d73bb29baf6d093d2f",
    "EnvelopeBody.v1.avsc":
        "5bf1a146062bfb9b1d470404ac7ef84b575146559fb1ba41ab5e4edba5d28a91",
    "KeyActivated.v1.avsc":
        "412109b51027fad127cc13184a573ed55a3f48900a4e5ae93eb8e4ccb408bc26",
    "KeyCompromised.v1.avsc":
        "c0913649c518738013e77ba0c9d5de4a56ac7a569984df1268ec778cf5963549",
    "KeyDeactivated.v1.avsc":
        "18e69a62d576919314ab454cce4171557f42cf7c5dd8f36e64544fa8f4544284",
    "KeyDestroyed.v1.avsc":
        "2946a02437511fb066e7d853d2639470d64a1f5a72afabac7dc61fb496041013",
    "KeyDestructionCancelled.v1.avsc":
        "4fae336838b74d7d45dd36bb336764149b55dab6acb70850d49f77337abec7e1",
    "KeyDestructionScheduled.v1.avsc":
        "fb196a0811e818390616e04bf57100d7784e7f1a07cc59f37ce2f1b02a959368",
    "KeyGenerated.v1.avsc":
        "e8374b96ddc934716c859d9eee046428222057c04c5dbc1231fa2b1482beb0da",
    "KeyPolicyChanged.v1.avsc":
        "0750bc0bf1d4bdd30163c88757dc3ac41fc43b34d20a9b6a334a65a6be3a5d3a",
    "KeyReactivated.v1.avsc":
        "5923de8034836221de9ab5226e2220b26e7e442732859454721162dc2ff73fd1",
    "KeyRotated.v1.avsc":
        "50674dceb585e922af8f0d9647ddc33959354629796dc0f91285ba9a46d629fb",
    "KeySuspended.v1.avsc":
        "b3a6b3358872daa157cd4ee0bcdce7ac042f47fca8a780ffda3ff952d7232a02",
    "LedgerInitialized.v1.avsc":
        "710700cb7e7d774bb02b97711cb421af2a6d74f517ee809f2dc6d260e368224e",
    "SignatureIssued.v1.avsc":
        "d9fca495d33b15ee8729d790081e24edb620037d6227b854300bd7ec37810129",
    "_KeyPolicy.v1.avsc":
        "3345d562259018e2b35dd955eeef27e07c5c1e9b0ced4e5fd25b37377ece224d",
    "DataEncrypted.v1.avsc":
        "836700b6d073849b67582d8a08062b8ad71d1b5609d166553d3c39dee1ffc3a6",
    "DataDecrypted.v1.avsc":
        "12b719baa09112ec7e4908f7e1668149c26030f14fe1de9e983fe20048deb203",
    "DataKeyGenerated.v1.avsc":
        "eff30102e81aea698f239021412043d0bc82409d3958a49dcf58cc5b82ac73d0",
    "MacGenerated.v1.avsc":
        "05e697e2437bc9036d38f98889c7134bbd3fcb3b8d9b491c0d612c1705c81696",
    "MacVerified.v1.avsc":
        "3a53e0b4eb2ea34b653b2f9e75dc6575d95530aaf4077f39cd7d955c1d087fe6",
    "SharedSecretDerived.v1.avsc":
        "c2ec4606b9a0b8f69a255c7a25c39b98ed1aae13ec2e3aae9980b6f3d44ff33b",
    "WalletCreated.v1.avsc":
        "9fb4d3d89216a0c73323a29bd9bd12629605c07ebeefebc51b144a657f7c3ad0",
    "WalletAddressDerived.v1.avsc":
        "3b7d671fd890b15e253e3ee192e4a26c8dfe115b2fde79830e676de9ce917178",
    "WalletAddressUsed.v1.avsc":
        "70219474de5ae0b488596f209a7a28d767491791f4f07c75cb7cad8574af0eec",
    "WalletXpubExported.v1.avsc":
        "6883fe8f64dea8adc79a71035971db3f90877e8ba9bd098b40d71d99041ba287",
    "SecretSplit.v1.avsc":
        "899c9108007a699a4b65b065b0430add8c537cab4d0322259f622783ca54b43e",
    "SecretRecovered.v1.avsc":
        "ce2fb61ae7e08d36c0312f1a6e94a2e0a665bf06da6596438f728b04e149badc",
    "ApprovalRequested.v1.avsc":
        "caebaa197c53d171334b0241b80aeb64eff2f0ed51fb691ebac280df124dee9c",
    "ApprovalGranted.v1.avsc":
        "ccc5044b2da3d9f4f8207e52ec1f0a39e894fc234ac3ae7df5162f74da496bbd",
    "ApprovalRejected.v1.avsc":
        "5198f5d8b386cfa47717b332e4f9a74f8cc929b0f5dd5e15e9fa79eb3e8c1ee9",
    "ApprovalExpired.v1.avsc":
        "330703f0b96316994faf7dbc81b36db6a86df89229614ae0d512bbaf202d6739",
    "ApprovalExecuted.v1.avsc":
        "afc2acfb772832d65239cd6be805f8987421a09884aeb2243dd32fdb3890e2da",
    "ApprovalPolicySet.v1.avsc":
        "c85db4df147cb43b08c1972b1d8c8b1057c12612f6e1f2d4b587f2a631001877",
    "KeyVersionFloorsSet.v1.avsc":
        "4a53aafa1e858f6acc8be7aef095aea883a8c2dd088cf148eccd69b344deea54",
    "ThresholdDkgShared.v1.avsc":
        "212da15ca943d500fbf12a1bab5cc6488220c74f11850a316ed7b242d91548b4",
    "ThresholdDkgStarted.v1.avsc":
        "b3e6feb65e952177dfda5ce09e1eca54c75d439f065a8fb2879348b7a6153586",
    "ThresholdGroupRetired.v1.avsc":
        "10685883bf3ced262b2b31fe13e4068ba624d859c1f4e2e4d87b233d3bb4d907",
    "ThresholdKeyCreated.v1.avsc":
        "05dbecd4e8155cee2a8599b8ea49e682e8e1a3a6627cc8729ea4dced0471e839",
    "ThresholdNoncesCommitted.v1.avsc":
        "636b55bc94153160bfdcbff87e636143b7148a2ec4a78403bd3be07f0cb54133",
    "ThresholdShareIssued.v1.avsc":
        "3bf179c0bea9251c1013ca4900269100d2a43a0e2253a53aca8c59e1f2ef6be7",
    "ThresholdShareIssued.v2.avsc":
        "83d78d9a35165e3cbe59fedc537a045403405f587e081fe6f29c557ebd417c3d",
    "ThresholdSignatureAggregated.v1.avsc":
        "ee88eac064fc9aaa8cb94bde554c76231e9a73fcf54ece2e8a676512e4dd2c54",
    "ThresholdSignatureAggregated.v2.avsc":
        "ece57ceda1c7d6fd8713117d63ed7bc1d736acccfbeea2944029d85336a52b6c",
    "MusigKeyAggregated.v1.avsc":
        "3a46b113036afa5803f3a12fa8575249634fde9166d28dd9eb31351bedad046d",
    "ThresholdKeyDealt.v1.avsc":
        "fab8e04192274be09ce263cf8f32d07516bc36a72f2fdd7060fb8bbd1805423e",
    "ThresholdDealAccepted.v1.avsc":
        "aa424e0a257af1a898e4503a842590c972af93734ba3a3a66d9376019514aade",
    # zero-knowledge (feat/zk)
    "CommitmentCreated.v1.avsc":
        "0bf64b80f2e0ed18cb25f32c2d009fdd3503b5f47ed5132a48a34340c7331f7f",
    "RangeProofIssued.v1.avsc":
        "7850926c6bc9e39a41df7316d52f9003faa0a928a0fa2e95dd6783de56008369",
    "SnarkSetupRecorded.v1.avsc":
        "423d8119764e0a3913b5cbfdbd50bce2d9a93ef963419a7ea8e45cde24f7e969",
    "SnarkProofIssued.v1.avsc":
        "c62267b08e562ce79d671caab6e6bd28ae6a1364dbdbb1e61a9fde6b17600f94",
    "StarkProofRecorded.v1.avsc":
        "86aeb1aa782ca40c8338fa96631b6d1f7d84a80becae1760ec3869cfce6b381a",
    "KeyHeldOnToken.v1.avsc":
        "10759f86a8093244c55ad1aa1526b54e432eb4e3d6afd8ea79dd204f9f1cca5e",
    "KeyHeldByThresholdGroup.v1.avsc":
        "1496fffadcda6752f7379b5da9072bab191dcc533ba856f7932ec5ec64061a30",
    "_TokenKeyAttributes.v1.avsc":
        "dc62ea7855b87ed1fc6f21b39021afa3ccf71d9637e5f1310e4400d42105e023",
    "KekRotationStarted.v1.avsc":
        "b96359f1201b7fb8b475886a638aa77f96564771c4215590e3215f0ebb5568bb",
    "KekRotationCompleted.v1.avsc":
        "c094207d64e74da093712ea6d2c0eb571a536c240db1340eca7e310fbbe3b8e4",
    "KekRotationAuthorized.v1.avsc":
        "1da875ad773f456ef02c739b806034d9d1dfb05d8b1acd88a795140f08c92c51",
    # custody (BYOK, export)
    "ImportTokenIssued.v1.avsc":
        "92dc5aa6e95995471ff968da1d6f9c85ba067a8847c0d1ea378947e7f679c3b9",
    "ImportTokenRedeemed.v1.avsc":
        "98dbbc091b74cc536aed8e472d7c86b20b27adffe26c108f162d39074836157c",
    "KeyExported.v1.avsc":
        "b66a3d3d03f90a3e5afd98448459f5291858223ee8032cd3f7f1362d5295ef8b",
    "KeyProvenanceRecorded.v1.avsc":
        "2a6ab3f33636720e786a464d342a4c3b13b665a5f8db62aee614a27df96ad67e",
    "EscrowAgentRegistered.v1.avsc":
        "2a7829bb7bc1e095189feaea04877bb79b69ff7538f61620135c1a3822b2d464",
    "EscrowReleased.v1.avsc":
        "35593adeb2ee8add922fa31fab105bb4f95116193e742bef4d1cf6e7f0024949",
    "KeyEscrowed.v1.avsc":
        "1766ec76a341b5841a6e81d26d2702129cb1e86c4215cc18b1181a7c729baaf5",
    "BackupCreated.v1.avsc":
        "8c7e1600924b42af6a48647dc4af65b49a9a74d5113abab1e97e2bd8010bad32",
    "BackupCreated.v2.avsc":
        "cc98dec474aa20d753f173d472684b016256c1ca4d6cdee6a64c5c2b8eb669ef",
    "BackupRestored.v1.avsc":
        "c9edc42c4e31cfe307f7a855ca3b67e008f89e96ee44c425254d50355b127c92",
    "ChainSignatureIssued.v1.avsc":
        "ae859830f57fd311db414c94d6c8729c2bae3d589021152502319daeeb644c06",
    "WalletChainSignatureIssued.v1.avsc":
        "292e5d06f3fdb41383b03417cbee09f7b99ca4b7f0651ef49e7d32d02d60065e",
    "WalletChainAddressDerived.v1.avsc":
        "2c2cfa184e441ef03a940b4f0a1be47c5de89ad604151f19a94c8d473d9430dc",
    "KeyChainPolicySet.v1.avsc":
        "fb205d98c8340ace6742cb6120ad7947991a1f619eaeb551210c821c261bc67c",
    "KeyChainPolicySet.v2.avsc":
        "fba7ce91a4f20cbd155cb9c75df2368583131e68a6aea7d64daac4dd030163b9",
    # privacy services (ledger/catalogue/privacy.py)
    "ApprovalGroupCreated.v1.avsc":
        "984aae076e7c791c411205bee57b8915afe5d80ed0d39813f8f1fd093344baeb",
    "BlindSignatureIssued.v1.avsc":
        "3817c19aad5c5fad647addee726a8b2487cefbccc53cf4b9695ecacdbe22a823",
    "HomomorphicCombined.v1.avsc":
        "acef0c9f97d1db39ca13fb5360957201814d4644da9d3167bc969eef7efb65b2",
    "HomomorphicDecrypted.v1.avsc":
        "3584f2b1eaede5c46bb95274e2a36247408b66737d3e2a12d1e3155e111fc7f3",
    "KeyPossessionProven.v1.avsc":
        "76876eb42191c4586e1b2aaf6e1f44002c1bc813e4948ac87eac8ac037043d2a",
    "PossessionChallengeIssued.v1.avsc":
        "a48f96dcc89fded28bd47029d72d884254e4830517947efebd234f72f22cf39d",
    "PossessionProven.v1.avsc":
        "69610ae191521dd0daa2b2604a5f936cb965c4e13bdcc146b2ce32f03acfbbb8",
    "RingApprovalRecorded.v1.avsc":
        "6bf54542958cd0cb7fbf77e0b1c05802662522b2197ac604aa0a79c4518041a8",
    "ThreatDetected.v1.avsc":
        "87f56aceed9e2220d00c146bfad473fdfcdd58529c4535e22b93fe978f1a2635",
    "ThreatPolicySet.v1.avsc":
        "6dc4829b0deee713c8936c905ca5387b614b495bd09bce614827dcb957efff18",
}


# ============================================================================ checker


def _field_map(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {field["name"]: field for field in schema["fields"]}


def _type_key(schema: Any) -> str:
    """A comparable spelling of a field type: named types by name, the rest as JSON."""
    if isinstance(schema, dict) and schema.get("type") in ("record", "enum", "fixed"):
        return str(schema["name"])
    return json.dumps(schema, sort_keys=True)


def _write(codec: EventCodec, name: str, version: int, record: dict[str, Any]) -> bytes:
    """Encode with a chosen (possibly old) version, as an older build would have."""
    buffer = io.BytesIO()
    schemaless_writer(buffer, codec.parsed_schema(name, version), record)
    return buffer.getvalue()


def check_pair(codec: EventCodec, name: str, old: int, new: int) -> None:
    """Fail with a reason unless versions ``old`` and ``new`` of ``name`` are compatible.

    Structure first (so the reason names the rule broken), then the proof that matters:
    samples written by each version resolve to the other, in both directions.
    """
    old_raw, new_raw = codec.schema_json(name, old), codec.schema_json(name, new)
    old_fields, new_fields = _field_map(old_raw), _field_map(new_raw)
    for field, spec in new_fields.items():
        if field not in old_fields:
            assert "default" in spec, f"{name} v{new} adds {field} without a default"
        else:
            assert _type_key(spec["type"]) == _type_key(old_fields[field]["type"]), (
                f"{name} v{new} changes the type of {field}")
    for field, spec in old_fields.items():
        if field not in new_fields:
            assert "default" in spec, f"{name} v{new} removes {field}, which had no default"
    for writer, reader in ((old, new), (new, old)):
        writer_schema = codec.parsed_schema(name, writer)
        named = writer_schema["__named_schemas"]
        reader_fields = _field_map(codec.schema_json(name, reader))
        for optional_null in (False, True):
            record = sample_value(writer_schema, named, optional_null=optional_null)
            data = _write(codec, name, writer, record)
            try:
                decoded = codec.decode_payload(name, writer, data, reader_version=reader)
            except VerificationError as problem:
                raise AssertionError(f"{name}: v{reader} cannot read v{writer}: "
                                     f"{problem.message}") from None
            assert set(decoded) == set(reader_fields)
            for field, value in decoded.items():
                if field not in record:
                    assert value == reader_fields[field]["default"], (
                        f"{name}: v{reader} reading v{writer} did not default {field}")


# ============================================================================ synthetic v2


def _schema(name: str, doc: str, fields: list[dict[str, Any]],
            imports: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "record", "namespace": "skms.events", "name": name,
                              "doc": doc, "fields": fields}
    if imports:
        schema["skms_imports"] = imports
    return schema


def _put(folder: Path, file_name: str, schema: dict[str, Any]) -> None:
    (folder / file_name).write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")


WIDGET_V1 = _schema("Widget", "Synthetic event, v1.", [
    {"name": "widget_id", "type": "string", "doc": "Id."},
    {"name": "legacy", "type": "string", "default": "old-default", "doc": "Dropped in v2."},
])
WIDGET_V2 = _schema("Widget", "Synthetic event, v2.", [
    {"name": "widget_id", "type": "string", "doc": "Id."},
    {"name": "colour", "type": ["null", "string"], "default": None, "doc": "New in v2."},
    {"name": "count", "type": "long", "default": 0, "doc": "New in v2."},
])


@pytest.fixture
def old_dir(tmp_path: Path) -> Path:
    """The repository's schemas plus Widget v1: what an older build shipped."""
    folder = tmp_path / "old"
    shutil.copytree(REPO_SCHEMAS, folder)
    _put(folder, "Widget.v1.avsc", WIDGET_V1)
    return folder


@pytest.fixture
def new_dir(tmp_path: Path, old_dir: Path) -> Path:
    """The old folder plus v2 files: KeyActivated, Widget, and a new KeyPolicy version."""
    folder = tmp_path / "new"
    shutil.copytree(old_dir, folder)
    _put(folder, "Widget.v2.avsc", WIDGET_V2)
    activated = copy.deepcopy(events.default_codec().schema_json("KeyActivated", 1))
    activated["fields"].append({"name": "activated_by", "type": "string", "default": "",
                                "doc": "New in v2."})
    _put(folder, "KeyActivated.v2.avsc", activated)
    policy = copy.deepcopy(events.default_codec().schema_json("_KeyPolicy", 1))
    policy["fields"].append({"name": "hsm_only", "type": "boolean", "default": False,
                             "doc": "New in v2."})
    _put(folder, "_KeyPolicy.v2.avsc", policy)
    changed = copy.deepcopy(events.default_codec().schema_json("KeyPolicyChanged", 1))
    changed["skms_imports"] = ["_KeyPolicy.v2"]
    _put(folder, "KeyPolicyChanged.v2.avsc", changed)
    return folder


POLICY = {"rotation_period_days": 90, "destruction_wait_days": 7, "allowed_signers": ["bob"],
          "max_signatures_per_day": 100}


def test_new_reader_reads_old_writer_with_defaults(old_dir: Path, new_dir: Path) -> None:
    old, new = EventCodec(old_dir), EventCodec(new_dir)
    version, data = old.encode_payload("KeyActivated", {"key_id": "k1", "version": 3})
    assert version == 1
    assert new.decode_payload("KeyActivated", version, data) == {
        "key_id": "k1", "version": 3, "activated_by": ""}
    version, data = old.encode_payload("Widget", {"widget_id": "w", "legacy": "kept"})
    assert new.decode_payload("Widget", version, data) == {
        "widget_id": "w", "colour": None, "count": 0}


def test_old_reader_reads_new_writer(new_dir: Path) -> None:
    new = EventCodec(new_dir)
    version, data = new.encode_payload("KeyActivated",
                                       {"key_id": "k1", "version": 3, "activated_by": "al"})
    assert version == 2
    assert new.decode_payload("KeyActivated", 2, data, reader_version=1) == {
        "key_id": "k1", "version": 3}
    version, data = new.encode_payload("Widget",
                                       {"widget_id": "w", "colour": "red", "count": 5})
    assert new.decode_payload("Widget", version, data, reader_version=1) == {
        "widget_id": "w", "legacy": "old-default"}


def test_a_build_without_the_writer_schema_refuses_clearly(old_dir: Path,
                                                           new_dir: Path) -> None:
    """Readers need the writer's schema file: ship schemas before writers use them."""
    _, data = EventCodec(new_dir).encode_payload("KeyActivated",
                                                 {"key_id": "k", "version": 1})
    with pytest.raises(VerificationError, match="no such schema version"):
        EventCodec(old_dir).decode_payload("KeyActivated", 2, data)


def test_shared_type_versions_are_pinned_by_imports(new_dir: Path) -> None:
    """A v2 of KeyPolicy must not change what KeyGenerated v1 or KeyPolicyChanged v1 mean."""
    new = EventCodec(new_dir)
    previous = dict(POLICY)
    v1 = _write(new, "KeyPolicyChanged", 1,
                {"key_id": "k", "policy": POLICY, "previous_policy": previous})
    assert new.decode_payload("KeyPolicyChanged", 1, v1, reader_version=1)["policy"] == POLICY
    upgraded = new.decode_payload("KeyPolicyChanged", 1, v1)
    assert upgraded["policy"] == POLICY | {"hsm_only": False}
    version, v2 = new.encode_payload("KeyPolicyChanged", {
        "key_id": "k", "policy": POLICY | {"hsm_only": True}, "previous_policy": previous})
    assert version == 2
    assert new.decode_payload("KeyPolicyChanged", 2, v2, reader_version=1)["policy"] == POLICY
    assert new.latest_version("KeyGenerated") == 1


def test_environment_override_switches_the_module_codec(new_dir: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKMS_SCHEMAS_DIR", str(new_dir))
    assert events.latest_version("KeyActivated") == 2
    assert "Widget" in events.event_types()
    monkeypatch.delenv("SKMS_SCHEMAS_DIR")
    assert events.latest_version("KeyActivated") == 1


def test_synthetic_pairs_pass_the_checker(new_dir: Path) -> None:
    codec = EventCodec(new_dir)
    for name in ("Widget", "KeyActivated", "KeyPolicyChanged"):
        check_pair(codec, name, 1, 2)


@pytest.mark.parametrize(("field", "reason"), [
    ({"name": "widget_id", "type": "long", "doc": "Retyped."}, "changes the type"),
    ({"name": "size", "type": "int", "doc": "No default."}, "without a default"),
])
def test_checker_catches_breaking_changes(tmp_path: Path, field: dict[str, Any],
                                          reason: str) -> None:
    _put(tmp_path, "Widget.v1.avsc", WIDGET_V1)
    fields = [f for f in WIDGET_V1["fields"] if f["name"] != field["name"]] + [field]
    _put(tmp_path, "Widget.v2.avsc", _schema("Widget", "Broken v2.", fields))
    with pytest.raises(AssertionError, match=reason):
        check_pair(EventCodec(tmp_path), "Widget", 1, 2)


def test_checker_catches_removal_of_a_field_without_default(tmp_path: Path) -> None:
    _put(tmp_path, "Widget.v1.avsc", WIDGET_V1)
    _put(tmp_path, "Widget.v2.avsc", _schema("Widget", "Broken v2.", [WIDGET_V1["fields"][1]]))
    with pytest.raises(AssertionError, match="removes widget_id"):
        check_pair(EventCodec(tmp_path), "Widget", 1, 2)


def test_codec_refuses_maps(tmp_path: Path) -> None:
    _put(tmp_path, "Widget.v1.avsc", _schema("Widget", "Has a map.", [
        {"name": "tags", "type": {"type": "map", "values": "string"}, "doc": "Unordered."}]))
    with pytest.raises(ConfigurationError, match="map"):
        EventCodec(tmp_path)


def test_codec_refuses_a_name_that_differs_from_the_file(tmp_path: Path) -> None:
    _put(tmp_path, "Widget.v1.avsc", _schema("Gadget", "Misnamed.", WIDGET_V1["fields"]))
    with pytest.raises(ConfigurationError, match="name"):
        EventCodec(tmp_path)


# ============================================================================ repository lint


def _all_files() -> list[Path]:
    return sorted(REPO_SCHEMAS.glob("*.avsc"))


def _walk_named(schema: Any) -> list[dict[str, Any]]:
    """Every inline record/enum/fixed definition inside ``schema``, itself included."""
    found: list[dict[str, Any]] = []
    if isinstance(schema, dict):
        if schema.get("type") in ("record", "enum", "fixed"):
            found.append(schema)
        for value in schema.values():
            found += _walk_named(value)
    elif isinstance(schema, list):
        for item in schema:
            found += _walk_named(item)
    return found


def _wire_fingerprint(schema: Any) -> str:
    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k != "doc"}
        if isinstance(node, list):
            return [strip(item) for item in node]
        return node

    text = json.dumps(strip(schema), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def test_schema_folder_has_the_envelope_and_files() -> None:
    names = {path.name for path in _all_files()}
    assert "EnvelopeBody.v1.avsc" in names
    assert "_KeyPolicy.v1.avsc" in names


@pytest.mark.parametrize("path", _all_files(), ids=lambda p: p.name)
def test_schema_file_is_well_formed(path: Path) -> None:
    match = FILE_NAME.match(path.name)
    assert match, f"{path.name} is not <Name>.v<N>.avsc"
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["type"] == "record"
    assert raw["namespace"] == "skms.events"
    assert raw["name"] == match.group(2), "record name must equal the file name"
    for definition in _walk_named(raw):
        assert str(definition.get("doc", "")).strip(), f"{definition['name']} has no doc"
        for field in definition.get("fields", []):
            assert str(field.get("doc", "")).strip(), f"field {field['name']} has no doc"
            kind = field["type"]
            if isinstance(kind, list) and kind[0] == "null":
                assert field.get("default", "missing") is None, (
                    f"optional field {field['name']} must default to null")
    assert '"map"' not in json.dumps(raw), "maps break hash determinism"


@pytest.mark.parametrize("path", _all_files(), ids=lambda p: p.name)
def test_released_schema_files_never_change(path: Path) -> None:
    actual = _wire_fingerprint(json.loads(path.read_text(encoding="utf-8")))
    pinned = RELEASED.get(path.name)
    assert pinned is not None, (
        f"{path.name} is not pinned: add {path.name!r}: {actual!r} to RELEASED when it ships")
    assert actual == pinned, (
        f"{path.name} changed after release: add a new version file instead (docs may be "
        "edited; anything else may not)")


def test_every_schema_loads_and_versions_have_no_gaps() -> None:
    codec = EventCodec(REPO_SCHEMAS)
    for name in codec.schema_names():
        assert codec.versions(name) == list(range(1, codec.latest_version(name) + 1)), name
        for version in codec.versions(name):
            codec.parsed_schema(name, version)


@pytest.mark.parametrize("event_type", events.event_types())
def test_adjacent_versions_are_mutually_compatible(event_type: str) -> None:
    codec = events.default_codec()
    found = codec.versions(event_type)
    for old, new in itertools.pairwise(found):
        check_pair(codec, event_type, old, new)
