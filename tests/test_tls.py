"""HTTPS: `--ssl-certfile` and `--ssl-keyfile`, with certificates made here and real TLS clients."""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
import shutil
import ssl
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from helpers_kit import BATCHES, auth
from mock_process import mock_process

README = Path(__file__).parents[1] / "README.md"


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A CA, and a certificate it signed for localhost and 127.0.0.1: (ca.pem, cert.pem, key.pem)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("GamifyHost mock test CA"))
        .issuer_name(_name("GamifyHost mock test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


def test_the_mock_serves_https_to_a_client_that_trusts_its_certificate(tmp_path: Path) -> None:
    ca, cert, key = make_certificates(tmp_path)
    trusting = ssl.create_default_context(cafile=str(ca))
    with mock_process(
        "--ssl-certfile", str(cert), "--ssl-keyfile", str(key),
        output=tmp_path / "mock.log", scheme="https", verify=trusting,
    ) as (_, base_url):  # fmt: skip
        for url in (
            base_url,
            base_url.replace("127.0.0.1", "localhost"),
        ):  # both names are in the certificate
            with httpx.Client(verify=trusting) as client:
                response = client.get(url + BATCHES, params={"slug": "summer-promo"}, headers=auth())
                assert response.status_code == 200
                assert response.json()["data"]["total"] == 2
                tls = response.extensions["network_stream"].get_extra_info("ssl_object")
                assert tls.version() in {"TLSv1.2", "TLSv1.3"}
                print(f"\nGET {url}{BATCHES}?slug=summer-promo over {tls.version()}: {response.status_code}")
        # A client that does not trust the certificate refuses it; plain HTTP gets no answer.
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(base_url + "/__mock/health")
        with pytest.raises(httpx.TransportError):
            httpx.get(base_url.replace("https://", "http://") + "/__mock/health", timeout=5)
        # curl, another client and TLS stack, with the CA as its trust.
        curl = subprocess.run(
            ["curl", "-sS", "--cacert", str(ca), "-H", "X-API-Secret: sk_test_acme_mock_secret",
             f"{base_url}/v1/campaigns/codes/stats?slug=summer-promo"],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert curl.returncode == 0, curl.stderr
        assert '"totalCodes":150' in curl.stdout


def readme_block(language: str, after: str) -> str:
    """The first ```language block of the README after the line `after`."""
    text = README.read_text(encoding="utf-8")
    start = text.index(after)
    match = re.compile(rf"^```{language}\n(.*?)^```$", re.MULTILINE | re.DOTALL).search(text, start)
    assert match, f"no {language} block after {after!r} in the README"
    return match.group(1)


def test_the_readmes_ruby_sample_works_over_https_as_written(tmp_path: Path) -> None:
    """The README's certificate command, its mock command and the docs' Ruby sample, in order."""
    assert shutil.which("ruby"), "the TLS tests need Ruby (apt-get install ruby; .ci/run installs it)"
    commands = readme_block("sh", "## HTTPS").strip().splitlines()
    make_certificate = " ".join(line.rstrip("\\").strip() for line in commands[:-1])
    serve = commands[-1].split()
    assert make_certificate.startswith("openssl req") and serve[0] == "gamifyhost-mock"
    subprocess.run(make_certificate, shell=True, cwd=tmp_path, check=True, capture_output=True, timeout=60)
    sample = readme_block("ruby", "## HTTPS")
    expected = readme_block("text", "## HTTPS")
    port = serve[serve.index("--port") + 1]
    options = [arg for arg in serve[1:] if arg not in {"--port", port}]
    trusting = ssl.create_default_context(cafile=str(tmp_path / "cert.pem"))
    with mock_process(
        *options, output=tmp_path / "mock.log", scheme="https", verify=trusting, cwd=tmp_path
    ) as (
        _,
        base_url,
    ):
        actual_port = base_url.rsplit(":", 1)[1]
        (tmp_path / "batches.rb").write_text(
            sample.replace(f":{port}/", f":{actual_port}/"), encoding="utf-8"
        )
        env = {**os.environ, "SSL_CERT_FILE": str(tmp_path / "cert.pem")}
        ruby = subprocess.run(
            ["ruby", "batches.rb"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
        )
    print(f"\n$ SSL_CERT_FILE=cert.pem ruby batches.rb\n{ruby.stdout}")
    assert ruby.returncode == 0, ruby.stderr
    assert ruby.stdout == expected


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--ssl-certfile", "cert.pem"], "HTTPS needs both --ssl-certfile and --ssl-keyfile"),
        (["--ssl-keyfile", "key.pem"], "HTTPS needs both --ssl-certfile and --ssl-keyfile"),
        (
            ["--ssl-certfile", "missing.pem", "--ssl-keyfile", "key.pem"],
            "cannot serve HTTPS with missing.pem",
        ),
        (["--ssl-certfile", "key.pem", "--ssl-keyfile", "cert.pem"], "cannot serve HTTPS with key.pem"),
    ],
)
def test_bad_tls_options_are_said_at_start_up(tmp_path: Path, options: list[str], message: str) -> None:
    make_certificates(tmp_path)
    run = subprocess.run(
        [sys.executable, "-m", "mockserver", "--port", "1", *options],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert run.returncode == 2
    assert message in run.stderr and "Traceback" not in run.stderr
