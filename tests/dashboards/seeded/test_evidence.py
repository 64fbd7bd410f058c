"""Re-verifying a CAR attachment from its record page: the file is hashed again, the result is
written to the attachment and audited with before and after values; only roles allowed to may,
and a storage URI cannot lead out of the evidence folder."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from auth_test_support import call, login, make_app

from dashboards import evidence
from tests.dashboards.seeded_support import AMO
from warehouse.schema import car_attachments


def test_a_storage_uri_maps_into_the_evidence_folder_only(tmp_path):
    found = evidence.evidence_path(str(tmp_path), "s3://bucket/CAR-1/a.pdf")
    assert found == tmp_path / "bucket" / "CAR-1" / "a.pdf"
    assert evidence.evidence_path(str(tmp_path), "s3://bucket/../../etc/passwd") is None
    assert evidence.evidence_path(str(tmp_path), "/../secret") is None


def test_the_file_status_is_ok_mismatch_or_missing(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "f.txt").write_bytes(b"evidence")
    good = hashlib.sha256(b"evidence").hexdigest()
    assert evidence.file_status(str(tmp_path), "s3://b/f.txt", good) == "OK"
    assert evidence.file_status(str(tmp_path), "s3://b/f.txt", "0" * 64) == "MISMATCH"
    assert evidence.file_status(str(tmp_path), "s3://b/none.txt", good) == "MISSING"


@pytest.fixture
def reverifying(world, tmp_path):
    """An app that knows the evidence folder, and an attachment whose file is in it."""
    settings = dataclasses.replace(world.settings, dashboards=dataclasses.replace(
        world.settings.dashboards, evidence_root=str(tmp_path)))
    app = make_app(settings, world.engine)
    folder = tmp_path / "amo-evidence" / "TEST"
    folder.mkdir(parents=True)
    (folder / "photo.jpg").write_bytes(b"the photo")
    with world.engine.begin() as connection:
        car_id = connection.execute(sa.text("SELECT id FROM cars WHERE amo_id = :amo ORDER BY id LIMIT 1"),
                                    {"amo": world.amo_id}).scalar_one()
        attachment = connection.execute(car_attachments.insert().values(
            car_id=car_id, filename="photo.jpg", media_type="image/jpeg", size_bytes=9,
            sha256=hashlib.sha256(b"the photo").hexdigest(), storage_uri="s3://amo-evidence/TEST/photo.jpg",
            uploaded_at=datetime.now(UTC), verify_status="MISSING",
        ).returning(car_attachments.c.id)).scalar_one()
    return app, attachment, folder / "photo.jpg"


def _reverify(app, username: str, attachment: int, address: str):
    client = app.test_client()
    assert login(client, username, environ_base={"REMOTE_ADDR": address}).status_code == 303
    return call(client, app.extensions["dash_app"], "entity-reverify-result.children",
                values={"entity-reverify.n_clicks": 1,
                        "url.pathname": f"/maintenance/{AMO}/car_attachments/{attachment}"})


def test_re_verifying_writes_the_result_and_audits_it(world, reverifying):
    app, attachment, path = reverifying
    response = _reverify(app, "qa@nam.example", attachment, "10.11.0.1")
    assert "Checked just now: OK" in response.get_data(as_text=True)
    path.write_bytes(b"a different photo")
    assert "Checked just now: Mismatch" in _reverify(app, "qa@nam.example", attachment, "10.11.0.2") \
        .get_data(as_text=True)
    with world.engine.connect() as connection:
        status = connection.execute(sa.select(car_attachments.c.verify_status)
                                    .where(car_attachments.c.id == attachment)).scalar_one()
        events = connection.execute(sa.text(
            "SELECT before->>'verify_status', after->>'verify_status', reason FROM audit_events "
            "WHERE entity_type = 'car_attachments' AND entity_id = :id AND action = 'UPDATE' ORDER BY id"),
            {"id": str(attachment)}).all()
    assert status == "MISMATCH"
    assert [(before, after) for before, after, _reason in events] == [("MISSING", "OK"), ("OK", "MISMATCH")]


def test_a_member_may_not_re_verify(reverifying):
    app, attachment, _path = reverifying
    assert _reverify(app, "prod@nam.example", attachment, "10.11.0.3").status_code == 403
