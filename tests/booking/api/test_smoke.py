from fastapi.testclient import TestClient

from tests.conftest import SignedIn
from tests.factories import make_location


def test_admin_creates_a_location_and_reads_it_back(client: TestClient, admin: SignedIn) -> None:
    created = make_location(client, admin.headers, name="Harbor")
    assert created["phone"] == "+16175550100"
    got = client.get(f"/api/v1/locations/{created['id']}", headers=admin.headers)
    assert got.status_code == 200
    assert got.json()["name"] == "Harbor"
