"""The address classifier behind the SSRF guard, and the origin comparison of dynamic registration."""
import pytest

from lms_module.lti.address_guard import is_forbidden_address
from lms_module.lti.registration import same_origin, url_origin


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.8.9.10", "::1",                      # loopback
    "10.0.0.1", "172.16.5.4", "192.168.1.1", "fc00::1",     # private
    "100.64.0.1",                                           # shared address space (carrier NAT)
    "169.254.169.254", "fe80::1", "fe80::1%eth0",           # link-local (cloud metadata)
    "224.0.0.1", "ff02::1",                                 # multicast
    "240.0.0.1", "255.255.255.255",                         # reserved, broadcast
    "0.0.0.0", "::",                                        # unspecified
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",  # IPv4-mapped IPv6
    "2002:7f00:1::1",                                       # 6to4 around 127.0.0.1
    "64:ff9b::a00:1",                                       # NAT64 around 10.0.0.1
    "::127.0.0.1",                                          # IPv4-compatible (deprecated)
    "fec0::1", "fec0:0:0:ffff::1",                          # site-local (deprecated; Python calls it global)
])
def test_internal_addresses_are_forbidden(address):
    assert is_forbidden_address(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(address):
    assert not is_forbidden_address(address)


@pytest.mark.parametrize("issuer, url", [
    ("https://moodle.school.edu", "https://moodle.school.edu/.well-known/openid-configuration"),
    ("https://moodle.school.edu/", "https://MOODLE.school.edu:443/lti/openid-configuration"),
    ("http://lms.example:80", "http://lms.example/x"),
    ("https://lms.example/moodle", "https://lms.example/moodle/.well-known/openid-configuration"),
])
def test_same_origin(issuer, url):
    assert same_origin(issuer, url)


@pytest.mark.parametrize("issuer, url", [
    # user information: the host is evil.example, whatever comes first
    ("https://moodle.school.edu", "https://moodle.school.edu@evil.example/.well-known/openid-configuration"),
    ("http://127.0.0.1:5301", "http://127.0.0.1:5301@127.0.0.1:5399/.well-known/openid-configuration"),
    ("https://user@moodle.school.edu", "https://user@moodle.school.edu/x"),
    # a host that extends the issuer's host
    ("https://canvas.instructure.com", "https://canvas.instructure.com.evil.example/api/lti/security/openid-configuration"),
    ("http://127.0.0.1", "http://127.0.0.12/x"),
    # another port, another scheme
    ("http://127.0.0.1", "http://127.0.0.1:5399/x"),
    ("https://lms.example", "https://lms.example:8443/x"),
    ("https://lms.example", "http://lms.example/x"),
    # not http(s), no host, nonsense ports
    ("javascript:alert(1)", "javascript:alert(1)"),
    ("https://", "https:///x"),
    ("https://lms.example:99999", "https://lms.example:99999/x"),
])
def test_other_origins(issuer, url):
    assert not same_origin(issuer, url)


def test_url_origin_normalises():
    assert url_origin("HTTPS://Moodle.School.EDU./x") == ("https", "moodle.school.edu", 443)
    assert url_origin("http://[::1]:8080/") == ("http", "::1", 8080)
    with pytest.raises(ValueError):
        url_origin("ftp://lms.example/")
