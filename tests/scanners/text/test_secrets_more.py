"""The vendor formats and URL credentials added to `secrets`, and the placeholders that are not
credentials (tutorial connection strings, templated passwords)."""

from __future__ import annotations

import pytest

from scanners.text import TextScanner

SCANNER = TextScanner(["secrets"])


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("mailgun: key-3ax6xnjp29jd6fds4gc373sgvjxteol0", "mailgun_key"),
        ("chimp 0f3c5a9e2b7d41c68e9a0b1d2c3e4f5a-us12", "mailchimp_key"),
        ("twilio SK2a8f0c5e7b9d1f3a4c6e8b0d2f4a6c8e", "twilio_key"),
        ("square sq0atp-Hj8Kq2mN4pR6sT8vX0zB2d", "square_token"),
        ("bt access_token$production$x7k2m9p4q8r1s5t3$0123456789abcdef0123456789abcdef",
         "braintree_token"),
        ("HEROKU_API_KEY=5a1e3d24-d221-b774-7765-9f6511c3c8e3", "heroku_api_key"),
        ("oauth ya29.a0AfH6SMBx7kQ2mN4pR6sT8vX0zB2dF", "google_oauth_access_token"),
        ("amzn.mws.6a9b156b-c7ca-17df-2834-1468fe4c138b", "amazon_mws_token"),
        ("DATABASE_URL=postgres://app:Kq8zT2vP9xLm@db.internal:5432/prod", "credentials_in_url"),
        ("Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l", "basic_auth_header"),
    ],
)  # fmt: skip
def test_vendor_formats_are_flagged(text: str, rule: str) -> None:
    assert rule in {f.rule for f in SCANNER.scan([text]).findings}, text


@pytest.mark.parametrize(
    "text",
    [
        "connect with postgres://user:password@localhost:5432/mydb",
        "DATABASE_URL=postgres://${DB_USER}:${DB_PASSWORD}@db/app",
        "redis://:changeme@127.0.0.1:6379/0",
        "git clone https://github.com/acme/repo.git",
        "the md5 of the file is 9e107d9d372bb6826bd81d3542a419d6",
        "Use the header Authorization: Basic <base64 of user:pass>",
        "mailgun keys look like key-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    ],
)
def test_tutorial_shapes_are_not_credentials(text: str) -> None:
    assert SCANNER.scan([text]).findings == (), text
